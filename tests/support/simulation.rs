//! A deterministic fault simulation of the claim lifecycle. The real pipeline, claims module,
//! republisher and replay run against the in-memory adapters (held to DynamoDB and SQS by the
//! contract suite), wrapped so that any call can fail before it takes effect, take effect and
//! lose its answer (with or without the SDK retrying it), hang until the deadline cuts it, or
//! crash its caller before or after its effect. A schedule, drawn from one seed, interleaves
//! deliveries (concurrent redeliveries included), forged requests, overlapping republisher runs,
//! replays, a configuration change and clock jumps past leases and TTLs; time is tokio's paused
//! clock, so a schedule replays exactly from its seed. After each schedule the faults stop, the
//! final configuration applies, leases lapse, sweeps run and every event is delivered once more;
//! then the invariants are checked (see [`check`]).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::future::{AbortHandle, Abortable, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use lambda_http::http::{HeaderMap, HeaderValue};
use time::OffsetDateTime;
use webhook_core::claims::{
    Claim, ClaimReader, ClaimStore, Cursor, Holding, Lease, LeaseToken, MemoryStore, Page,
    PutOutcome, Status, StoreError, TakeOutcome, LEASE,
};
use webhook_core::clock::Clock;
use webhook_core::config::{
    self, fanout_variable, Config, RepublisherConfig, DEFAULT_DELIVERY_DEADLINE_MS, EVENTS_TABLE,
    FANOUT, WEBHOOK_SECRETS,
};
use webhook_core::deadline::Deadline;
use webhook_core::fanout::{MemoryPublisher, Message, PublishError, Publisher, Routes};
use webhook_core::http::Answer;
use webhook_core::pipeline::{Inbound, Outcome, Pipeline};
use webhook_core::republish::{ReplayRequest, Republisher};
use webhook_core::vendors::revo_xef::{RevoXef, SIGNATURE_HEADER};
use webhook_core::vendors::Vendor;
use webhook_core::verify::{sign, Secret};

const VENDOR: &str = "revo-xef";
const SECRET: &str = "sim-secret";
const TABLE: &str = "events";
const ORDERS: &str = "https://sqs.eu-west-1.amazonaws.com/1/orders";
const ORDERS_TYPO: &str = "https://sqs.eu-west-1.amazonaws.com/1/ordres";
const ORDERS_FIFO: &str = "https://sqs.eu-west-1.amazonaws.com/1/orders.fifo";
const PRODUCTS: &str = "https://sqs.eu-west-1.amazonaws.com/1/products";
/// The queues that exist (the typo names one that does not).
const QUEUES: [&str; 3] = [ORDERS, ORDERS_FIFO, PRODUCTS];
const DEDUPE_TTL_DAYS: i64 = 7;
/// What the fakes' hung calls take before the SDK would give up: its operation timeout.
const SDK_OPERATION_TIMEOUT: Duration = webhook_core::aws::OPERATION_TIMEOUT;
/// When every schedule's wall clock starts.
const START: OffsetDateTime = time::macros::datetime!(2026-11-23 12:00:00 UTC);

/// A small, fast, seedable generator (SplitMix64): every choice of a schedule comes from one.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `true` with probability `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What an injected fault does to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Fails before taking effect.
    FailBefore,
    /// Takes effect; the answer is lost and the SDK gives up: the caller sees an error.
    LostAfter,
    /// Takes effect; the answer is lost and the SDK retries: the call takes effect again and
    /// the caller sees the retry's answer.
    RetriedAfterLost,
    /// Never answers; after the SDK's operation timeout the caller sees an error (unless its
    /// deadline cut the call first).
    Hang,
    /// The caller's process dies before the call takes effect.
    CrashBefore,
    /// The caller's process dies after the call took effect.
    CrashAfter,
}

const FAULTS: [Fault; 6] = [
    Fault::FailBefore,
    Fault::LostAfter,
    Fault::RetriedAfterLost,
    Fault::Hang,
    Fault::CrashBefore,
    Fault::CrashAfter,
];

tokio::task_local! {
    /// The actor (delivery, sweep, replay) whose future is making a call.
    static ACTOR: usize;
}

/// What the fakes record for the invariants.
#[derive(Debug, Default)]
struct Ledger {
    /// Faults met by each claim (by partition key): every fault injected into a call about it,
    /// and every crash of an actor that had worked on it (a process that dies stops all its
    /// work at once).
    faults: HashMap<String, usize>,
    /// The claims each actor has made calls about.
    touched: HashMap<usize, BTreeSet<String>>,
    /// Claims created (a new key, or one whose claim had expired), by key.
    creations: HashMap<String, usize>,
    /// The actor whose write created each key's current claim.
    creator: HashMap<String, usize>,
    /// Actors that crashed.
    crashed: BTreeSet<usize>,
}

/// The shared state of one schedule: faults, the ledger, and how to crash an actor.
#[derive(Debug)]
struct World {
    rng: Mutex<Rng>,
    faults_on: AtomicBool,
    fault_per_mille: u64,
    ledger: Mutex<Ledger>,
    aborts: Mutex<HashMap<usize, AbortHandle>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl World {
    /// Waits the call's latency, then decides its fault (none while faults are off).
    async fn before_call(&self, about: Option<&str>) -> Option<Fault> {
        let (latency, fault) = {
            let mut rng = lock(&self.rng);
            let latency = Duration::from_millis(rng.below(25));
            let fault = (self.faults_on.load(Ordering::SeqCst) && rng.chance(self.fault_per_mille))
                .then(|| *rng.pick(&FAULTS));
            (latency, fault)
        };
        tokio::time::sleep(latency).await;
        let mut ledger = lock(&self.ledger);
        if let (Some(pk), Ok(actor)) = (about, ACTOR.try_with(|actor| *actor)) {
            ledger
                .touched
                .entry(actor)
                .or_default()
                .insert(pk.to_string());
        }
        let crash = matches!(fault, Some(Fault::CrashBefore | Fault::CrashAfter));
        if let (Some(_), Some(pk), false) = (fault, about, crash) {
            *ledger.faults.entry(pk.to_string()).or_default() += 1;
        }
        fault
    }

    /// The calling actor's process dies here: it is dropped at its next poll.
    async fn crash<T>(&self) -> T {
        let actor = ACTOR.try_with(|actor| *actor).ok();
        if let Some(actor) = actor {
            let mut ledger = lock(&self.ledger);
            ledger.crashed.insert(actor);
            for pk in ledger.touched.get(&actor).cloned().unwrap_or_default() {
                *ledger.faults.entry(pk).or_default() += 1;
            }
            drop(ledger);
            if let Some(handle) = lock(&self.aborts).get(&actor) {
                handle.abort();
            }
        }
        std::future::pending().await
    }

    /// Runs a call about `pk` that takes effect (a write, a publish) under a fault: `call` is
    /// the call itself (run twice when the SDK retries it), `failed` the error its caller sees.
    async fn write<T, E, F, Fut>(
        &self,
        pk: &str,
        call: F,
        failed: impl Fn(&str) -> E,
    ) -> Result<T, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        match self.before_call(Some(pk)).await {
            None => call().await,
            Some(Fault::FailBefore) => Err(failed("failed before taking effect")),
            Some(Fault::Hang) => {
                tokio::time::sleep(SDK_OPERATION_TIMEOUT).await;
                Err(failed("timed out"))
            }
            Some(Fault::CrashBefore) => self.crash().await,
            Some(Fault::LostAfter) => {
                let _took_effect = call().await;
                Err(failed("answer lost"))
            }
            Some(Fault::RetriedAfterLost) => {
                let _lost = call().await;
                call().await
            }
            Some(Fault::CrashAfter) => {
                let _took_effect = call().await;
                self.crash().await
            }
        }
    }

    fn created(&self, pk: &str) {
        let mut ledger = lock(&self.ledger);
        *ledger.creations.entry(pk.to_string()).or_default() += 1;
        if let Ok(actor) = ACTOR.try_with(|actor| *actor) {
            ledger.creator.insert(pk.to_string(), actor);
        }
    }
}

fn failure(what: &str) -> StoreError {
    StoreError::Unavailable(format!("simulated: {what}"))
}

/// The in-memory store with faults.
#[derive(Debug, Clone)]
struct FaultyStore {
    inner: MemoryStore,
    world: Arc<World>,
}

impl FaultyStore {
    /// Runs a read under a fault: reads take no effect, so only failing, hanging and crashing
    /// matter.
    async fn read<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match self.world.before_call(None).await {
            Some(Fault::FailBefore | Fault::LostAfter) => Err(failure("read failed")),
            Some(Fault::Hang) => {
                tokio::time::sleep(SDK_OPERATION_TIMEOUT).await;
                Err(failure("read timed out"))
            }
            Some(Fault::CrashBefore | Fault::CrashAfter) => self.world.crash().await,
            None | Some(Fault::RetriedAfterLost) => call.await,
        }
    }
}

impl ClaimStore for FaultyStore {
    async fn put_new(&self, claim: &Claim, now: OffsetDateTime) -> Result<PutOutcome, StoreError> {
        let pk = claim.pk();
        let call = || async {
            let outcome = self.inner.put_new(claim, now).await;
            if matches!(outcome, Ok(PutOutcome::Created)) {
                self.world.created(&pk);
            }
            outcome
        };
        self.world.write(&pk, call, failure).await
    }

    async fn take_over(
        &self,
        pk: &str,
        lease: &Lease,
        now: OffsetDateTime,
    ) -> Result<TakeOutcome, StoreError> {
        let call = || self.inner.take_over(pk, lease, now);
        self.world.write(pk, call, failure).await
    }

    async fn release(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        now: OffsetDateTime,
    ) -> Result<Holding, StoreError> {
        let call = || self.inner.release(pk, token, published, now);
        self.world.write(pk, call, failure).await
    }

    async fn settle(
        &self,
        pk: &str,
        token: &LeaseToken,
        published: &[String],
        at: OffsetDateTime,
        expires_at: i64,
    ) -> Result<Holding, StoreError> {
        let call = || self.inner.settle(pk, token, published, at, expires_at);
        self.world.write(pk, call, failure).await
    }
}

impl ClaimReader for FaultyStore {
    async fn load(&self, pk: &str) -> Result<Option<Claim>, StoreError> {
        self.read(self.inner.load(pk)).await
    }

    async fn pending(
        &self,
        vendor: &str,
        now: OffsetDateTime,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        self.read(self.inner.pending(vendor, now, limit, after))
            .await
    }

    async fn received_between(
        &self,
        vendor: &str,
        from: &str,
        to: &str,
        limit: usize,
        after: Option<&Cursor>,
    ) -> Result<Page, StoreError> {
        self.read(self.inner.received_between(vendor, from, to, limit, after))
            .await
    }
}

/// The in-memory queues with faults.
#[derive(Debug, Clone)]
struct FaultyQueues {
    inner: MemoryPublisher,
    world: Arc<World>,
}

/// The partition key of the event a message carries, from the envelope's head (everything
/// before the payload), which is small whatever the payload.
fn pk_of(message: &Message) -> String {
    let head = message
        .body
        .split_once(",\"payload\":")
        .map_or(message.body.as_str(), |(head, _)| head);
    let envelope: serde_json::Value =
        serde_json::from_str(&format!("{head}}}")).expect("envelope heads are JSON");
    format!(
        "{}#{}",
        envelope["vendor"].as_str().unwrap_or_default(),
        envelope["dedupeKey"].as_str().unwrap_or_default()
    )
}

impl Publisher for FaultyQueues {
    async fn publish(&self, queue_url: &str, message: &Message) -> Result<(), PublishError> {
        let failed = |reason: &str| PublishError {
            queue: queue_url.to_string(),
            reason: format!("simulated: {reason}"),
        };
        let call = || self.inner.publish(queue_url, message);
        self.world.write(&pk_of(message), call, failed).await
    }
}

/// The schedule's wall clock: tokio's (paused, virtual) time since the start, plus the jumps
/// the schedule makes.
#[derive(Debug, Clone)]
struct SimClock {
    started: tokio::time::Instant,
    jumped: Arc<Mutex<Duration>>,
}

impl SimClock {
    fn new() -> Self {
        Self {
            started: tokio::time::Instant::now(),
            jumped: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    fn jump(&self, by: Duration) {
        *lock(&self.jumped) += by;
    }
}

impl Clock for SimClock {
    fn now(&self) -> OffsetDateTime {
        START + self.started.elapsed() + *lock(&self.jumped)
    }
}

/// The routing a schedule runs under. The change a schedule may make is one of the two an
/// operator makes: correcting a queue URL, or taking a queue out of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routing {
    /// Orders to a standard and a FIFO queue, products to a third; anything else is unrouted.
    Base,
    /// As `Base`, with the standard orders queue misspelled (it does not exist).
    Typo,
    /// As `Base`, without the FIFO queue.
    Reduced,
}

impl Routing {
    fn fanout(self) -> String {
        let orders = if self == Self::Typo {
            ORDERS_TYPO
        } else {
            ORDERS
        };
        match self {
            Self::Reduced => format!("order.*={orders};product.*={PRODUCTS}"),
            _ => format!("order.*={orders},{ORDERS_FIFO};product.*={PRODUCTS}"),
        }
    }

    fn queues_for(self, event_type: &str) -> Vec<String> {
        self.fanout()
            .parse::<Routes>()
            .expect("valid rules")
            .queues_for(event_type)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

/// One event the vendor sends, perhaps several times.
#[derive(Debug, Clone)]
struct SimEvent {
    body: String,
    event_type: String,
    /// Its claim's partition key, as the vendor module keys it.
    pk: String,
}

/// What a schedule does at one step.
#[derive(Debug, Clone)]
enum Step {
    Deliver(usize),
    /// Two deliveries of one event at once.
    Redeliver(usize),
    Forge(usize),
    Sweep,
    /// Two sweeps at once.
    Sweeps,
    Replay,
    /// Let everything running finish.
    Settle,
    /// The wall clock leaps forward (past leases, or past the dedupe window), and DynamoDB's
    /// TTL sweeper runs.
    Jump(Duration),
    Reconfigure(Routing),
}

/// A whole schedule, drawn from its seed.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub seed: u64,
    events: Vec<SimEvent>,
    start: Routing,
    steps: Vec<(Step, Duration)>,
    fault_per_mille: u64,
}

impl Schedule {
    /// The schedule of `seed`.
    pub fn of(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let count = 1 + rng.below(5) as usize;
        let events = (0..count).map(|i| event(&mut rng, i)).collect::<Vec<_>>();
        let (start, change) = match rng.below(3) {
            0 => (Routing::Base, None),
            1 => (Routing::Typo, Some(Routing::Base)),
            _ => (Routing::Base, Some(Routing::Reduced)),
        };
        let count = 6 + rng.below(20) as usize;
        let change_at = rng.below(count as u64) as usize;
        let mut steps = Vec::with_capacity(count + 1);
        for index in 0..count {
            if index == change_at {
                if let Some(change) = change {
                    steps.push((Step::Reconfigure(change), Duration::ZERO));
                }
            }
            let event = rng.below(events.len() as u64) as usize;
            let step = match rng.below(100) {
                0..=39 => Step::Deliver(event),
                40..=49 => Step::Redeliver(event),
                50..=54 => Step::Forge(event),
                55..=69 => Step::Sweep,
                70..=74 => Step::Sweeps,
                75..=77 => Step::Replay,
                78..=89 => Step::Settle,
                90..=95 => Step::Jump(LEASE.unsigned_abs() + Duration::from_secs(1)),
                _ => Step::Jump(Duration::from_secs(
                    (DEDUPE_TTL_DAYS as u64 + 1) * 24 * 3600,
                )),
            };
            let pause = Duration::from_millis(rng.below(400));
            steps.push((step, pause));
        }
        Self {
            seed,
            events,
            start,
            steps,
            fault_per_mille: 50 + rng.below(200),
        }
    }
}

/// The body of the `index`th event: an id that may be long, very long or hold U+FFFF once
/// unescaped, a note that may hold a raw U+FFFF or its escape, a type that is routed to one or
/// two queues, or to none.
fn event(rng: &mut Rng, index: usize) -> SimEvent {
    let event_type = *rng.pick(&[
        "order.created",
        "order.closed",
        "product.updated",
        "turn.closed",
    ]);
    let id = match rng.below(20) {
        0 => format!("\"{}\"", "9".repeat(200 * 1024)),
        1..=3 => format!("\"{index}-{}\"", "x".repeat(200)),
        4..=6 => format!("\"{index}\\uffff\""),
        7 => format!("\"{index} with space\""),
        _ => (index * 1000 + rng.below(1000) as usize).to_string(),
    };
    let note = match rng.below(6) {
        0 => "caf\u{e9} \u{FFFF} raw".to_string(),
        1 => "escaped \\uffff".to_string(),
        _ => format!("note {}", rng.below(1_000_000)),
    };
    let body = format!(r#"{{"event":"{event_type}","data":{{"id":{id},"note":"{note}"}}}}"#);
    let mut digest = String::new();
    let delivery = webhook_core::vendors::Delivery::with_digest(None, &body, &mut digest);
    let classified = RevoXef
        .classify(&delivery)
        .expect("genuine events classify");
    SimEvent {
        pk: format!(
            "{VENDOR}#{}",
            webhook_core::limits::dedupe_key(&classified.dedupe_key)
        ),
        body,
        event_type: event_type.to_string(),
    }
}

/// The environment of a function of the simulation: the table and dedupe window every function
/// shares, and `own`.
fn lookup(own: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| match name {
        EVENTS_TABLE => Some(TABLE.to_string()),
        config::DEDUPE_TTL_DAYS => Some(DEDUPE_TTL_DAYS.to_string()),
        _ => own
            .iter()
            .find(|(variable, _)| variable == name)
            .map(|(_, value)| value.clone()),
    }
}

/// What one actor did.
#[derive(Debug)]
enum Done {
    Delivery {
        event: usize,
        forged: bool,
        status: u16,
        outcome: Option<Outcome>,
        took: Duration,
        routing: Routing,
    },
    Other,
}

type ActorFuture = Pin<Box<dyn Future<Output = (usize, Option<Done>)>>>;

/// The simulation of one schedule.
struct Run {
    schedule: Schedule,
    world: Arc<World>,
    store: FaultyStore,
    queues: FaultyQueues,
    clock: SimClock,
    routing: Routing,
    violations: Vec<String>,
    next_actor: usize,
    jumps: usize,
    replays: usize,
    /// Events some delivery saw answered 200.
    acknowledged: BTreeSet<usize>,
    trace: Option<Vec<String>>,
}

impl Run {
    fn new(schedule: Schedule, verbose: bool) -> Self {
        let world = Arc::new(World {
            rng: Mutex::new(Rng::new(schedule.seed ^ 0x5EED_FA17)),
            faults_on: AtomicBool::new(true),
            fault_per_mille: schedule.fault_per_mille,
            ledger: Mutex::new(Ledger::default()),
            aborts: Mutex::new(HashMap::new()),
        });
        let routing = schedule.start;
        Self {
            store: FaultyStore {
                inner: MemoryStore::new(),
                world: Arc::clone(&world),
            },
            queues: FaultyQueues {
                inner: MemoryPublisher::with_queues(&QUEUES),
                world: Arc::clone(&world),
            },
            clock: SimClock::new(),
            world,
            routing,
            schedule,
            violations: Vec::new(),
            next_actor: 0,
            jumps: 0,
            replays: 0,
            acknowledged: BTreeSet::new(),
            trace: verbose.then(Vec::new),
        }
    }

    fn note(&mut self, line: impl FnOnce() -> String) {
        if let Some(trace) = &mut self.trace {
            trace.push(line());
        }
    }

    fn pipeline(&self) -> Pipeline<RevoXef, FaultyStore, FaultyQueues, SimClock> {
        let variables = [
            (FANOUT.to_string(), self.routing.fanout()),
            (WEBHOOK_SECRETS.to_string(), SECRET.to_string()),
        ];
        let config =
            Config::from_lookup(&RevoXef, lookup(&variables)).expect("valid configuration");
        Pipeline::new(
            RevoXef,
            config,
            self.store.clone(),
            self.queues.clone(),
            self.clock.clone(),
        )
    }

    fn republisher(&self) -> Republisher<FaultyStore, FaultyQueues, SimClock> {
        let variables = [(fanout_variable(VENDOR), self.routing.fanout())];
        let config = RepublisherConfig::from_lookup(&[VENDOR], lookup(&variables))
            .expect("valid configuration");
        Republisher::new(
            self.store.clone(),
            self.queues.clone(),
            self.clock.clone(),
            config,
            &[VENDOR],
        )
    }

    /// An actor: `work` under its id, dropped wherever it is if it crashes.
    fn start(&mut self, work: impl Future<Output = Done> + 'static) -> ActorFuture {
        let actor = self.next_actor;
        self.next_actor += 1;
        let (handle, registration) = AbortHandle::new_pair();
        lock(&self.world.aborts).insert(actor, handle);
        let work = ACTOR.scope(actor, work);
        Box::pin(async move { (actor, Abortable::new(work, registration).await.ok()) })
    }

    fn delivery(&mut self, event: usize, forged: bool) -> ActorFuture {
        let pipeline = self.pipeline();
        let routing = self.routing;
        let genuine = &self.schedule.events[event].body;
        // A forgery of its own body, so whatever it left would show.
        let body = if forged {
            genuine.replacen("\"note\":\"", "\"note\":\"forged ", 1)
        } else {
            genuine.clone()
        };
        self.start(async move {
            let secret = if forged { "forger" } else { SECRET };
            let signature = sign(&Secret::new(secret).expect("secret"), body.as_bytes());
            let mut headers = HeaderMap::new();
            headers.insert(
                SIGNATURE_HEADER,
                HeaderValue::from_str(&signature).expect("hex"),
            );
            let started = tokio::time::Instant::now();
            let result = pipeline
                .receive(Inbound {
                    route: None,
                    headers: &headers,
                    body: body.as_bytes(),
                })
                .await;
            Done::Delivery {
                event,
                forged,
                status: Answer::of(&result).status.as_u16(),
                outcome: result.ok().map(|receipt| receipt.outcome),
                took: started.elapsed(),
                routing,
            }
        })
    }

    fn sweep(&mut self) -> ActorFuture {
        let republisher = self.republisher();
        self.start(async move {
            republisher
                .sweep(Deadline::after(Duration::from_secs(60)))
                .await;
            Done::Other
        })
    }

    fn replay(&mut self) -> ActorFuture {
        self.replays += 1;
        let republisher = self.republisher();
        let from = webhook_core::event::rfc3339(START - time::Duration::days(1));
        self.start(async move {
            let mut cursor = None;
            loop {
                let request = ReplayRequest {
                    vendor: VENDOR.into(),
                    from: from.clone(),
                    to: "9999-01-01T00:00:00Z".into(),
                    cursor: cursor.take(),
                    limit: Some(2),
                };
                match republisher
                    .replay(&request, Deadline::after(Duration::from_secs(60)))
                    .await
                {
                    Ok(report) if report.next.is_some() => cursor = report.next,
                    _ => break,
                }
            }
            Done::Other
        })
    }

    /// Checks what a finished actor did, as it finishes.
    fn finished(&mut self, actor: usize, done: Option<Done>) {
        let Some(done) = done else {
            self.note(|| format!("actor {actor} crashed"));
            return;
        };
        let Done::Delivery {
            event,
            forged,
            status,
            outcome,
            took,
            routing,
        } = done
        else {
            return;
        };
        self.note(|| {
            format!(
                "actor {actor}: event {event} forged={forged} -> {status} {outcome:?} in {took:?}"
            )
        });
        let deadline = Duration::from_millis(DEFAULT_DELIVERY_DEADLINE_MS);
        if took > deadline {
            self.violations.push(format!(
                "a delivery of event {event} was answered after {took:?}, past its {deadline:?} deadline"
            ));
        }
        if forged {
            if status != 401 {
                self.violations.push(format!(
                    "a forged delivery of event {event} was answered {status}"
                ));
            }
            return;
        }
        if ![200, 503].contains(&status) {
            self.violations.push(format!(
                "a valid delivery of event {event} was answered {status}"
            ));
        }
        if status != 200 {
            return;
        }
        self.acknowledged.insert(event);
        let pk = self.pk_of(event);
        match outcome {
            Some(Outcome::Duplicate)
                if lock(&self.world.ledger).creator.get(&pk) == Some(&actor) =>
            {
                self.violations.push(format!(
                    "a delivery of event {event} made its claim, yet was answered duplicate"
                ));
            }
            Some(Outcome::Accepted) => {
                let event_type = self.schedule.events[event].event_type.clone();
                for queue in routing.queues_for(&event_type) {
                    if self.copies(event, &queue) == 0 {
                        self.violations.push(format!(
                            "event {event} was answered accepted before reaching {queue}"
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    /// The partition key of a genuine event.
    fn pk_of(&self, event: usize) -> String {
        self.schedule.events[event].pk.clone()
    }

    /// How many messages of `event` `queue` holds.
    fn copies(&self, event: usize, queue: &str) -> usize {
        let pk = self.pk_of(event);
        self.queues
            .inner
            .sent(queue)
            .iter()
            .filter(|message| pk_of(message) == pk)
            .count()
    }

    /// Every claim the store holds; an item that does not read back is a violation.
    fn stored_claims(&mut self) -> Vec<Claim> {
        self.store.inner.all().unwrap_or_else(|error| {
            self.violations
                .push(format!("the store holds an unreadable item: {error}"));
            Vec::new()
        })
    }

    /// No claim that is not PUBLISHED may carry an expiry.
    fn check_expiries(&mut self) {
        for claim in self.stored_claims() {
            if claim.status != Status::Published && claim.expires_at.is_some() {
                self.violations.push(format!(
                    "claim {} is {:?} and carries an expiry",
                    claim.pk(),
                    claim.status
                ));
            }
        }
    }

    /// Runs the schedule, lets it settle, and checks every invariant.
    async fn run(mut self) -> (Vec<String>, Option<Vec<String>>) {
        let mut running: FuturesUnordered<ActorFuture> = FuturesUnordered::new();
        let steps = self.schedule.steps.clone();
        for (step, pause) in steps {
            self.note(|| format!("{step:?}, then {pause:?}"));
            match step {
                Step::Deliver(event) => running.push(self.delivery(event, false)),
                Step::Redeliver(event) => {
                    running.push(self.delivery(event, false));
                    running.push(self.delivery(event, false));
                }
                Step::Forge(event) => running.push(self.delivery(event, true)),
                Step::Sweep => running.push(self.sweep()),
                Step::Sweeps => {
                    running.push(self.sweep());
                    running.push(self.sweep());
                }
                Step::Replay => running.push(self.replay()),
                Step::Settle => self.drain(&mut running).await,
                Step::Jump(by) => {
                    if !running.is_empty() {
                        self.jumps += 1;
                    }
                    self.clock.jump(by);
                    self.store.inner.sweep_expired(self.clock.now());
                }
                Step::Reconfigure(routing) => self.routing = routing,
            }
            self.drive(&mut running, pause).await;
            self.check_expiries();
        }
        self.drain(&mut running).await;

        // Quiescence: no more faults; the leases of whatever died lapse; sweeps finish what is
        // left; then the vendor delivers every event once more, and each must be answered 200.
        self.world.faults_on.store(false, Ordering::SeqCst);
        self.clock
            .jump(LEASE.unsigned_abs() + Duration::from_secs(1));
        for _ in 0..3 {
            let sweep = self.sweep();
            running.push(sweep);
            self.drain(&mut running).await;
        }
        for event in 0..self.schedule.events.len() {
            let delivery = self.delivery(event, false);
            running.push(delivery);
            self.drain(&mut running).await;
        }
        self.check_expiries();
        self.check_queues();
        let trace = self.trace.take();
        (self.violations, trace)
    }

    /// Lets the running actors go on for `pause` of virtual time.
    async fn drive(&mut self, running: &mut FuturesUnordered<ActorFuture>, pause: Duration) {
        let until = tokio::time::Instant::now() + pause;
        loop {
            let sleep = std::pin::pin!(tokio::time::sleep_until(until));
            match futures::future::select(running.next(), sleep).await {
                Either::Left((Some((actor, done)), _)) => self.finished(actor, done),
                Either::Left((None, sleep)) => {
                    sleep.await;
                    return;
                }
                Either::Right(_) => return,
            }
        }
    }

    /// Lets every running actor finish (each is bounded by its deadline, or crashes).
    async fn drain(&mut self, running: &mut FuturesUnordered<ActorFuture>) {
        while let Some((actor, done)) = running.next().await {
            self.finished(actor, done);
        }
    }

    /// The end state: every event that was taken in is in every queue the final routing names
    /// for it, no more often than the faults it met allow, every copy with one envelope id and
    /// the vendor's payload; every event was answered 200 once AWS stopped failing; forged
    /// requests left nothing.
    fn check_queues(&mut self) {
        let ledger = std::mem::take(&mut *lock(&self.world.ledger));
        let extra = self.jumps + self.replays;
        for (event, sim_event) in self.schedule.events.clone().iter().enumerate() {
            let pk = self.pk_of(event);
            if !self.acknowledged.contains(&event) {
                self.violations.push(format!(
                    "event {event} was never answered 200, even once AWS stopped failing"
                ));
            }
            let faults = ledger.faults.get(&pk).copied().unwrap_or_default();
            let creations = ledger.creations.get(&pk).copied().unwrap_or_default();
            let bound = creations + faults + extra;
            let routed = self.routing.queues_for(&sim_event.event_type);
            let payload: serde_json::Value = serde_json::from_str(
                &webhook_core::vendors::published_payload(VENDOR, &sim_event.body),
            )
            .expect("published payloads are JSON");
            let mut ids = BTreeSet::new();
            for queue in QUEUES {
                let messages: Vec<Message> = self
                    .queues
                    .inner
                    .sent(queue)
                    .into_iter()
                    .filter(|message| pk_of(message) == pk)
                    .collect();
                if routed.iter().any(|q| q == queue) && messages.is_empty() {
                    self.violations.push(format!(
                        "event {event} ({}) never reached {queue}",
                        sim_event.event_type
                    ));
                }
                if messages.len() > bound {
                    self.violations.push(format!(
                        "event {event} is {} times in {queue}, over the bound of {bound} ({creations} claims, {faults} faults, {extra} jumps and replays)",
                        messages.len()
                    ));
                }
                for message in messages {
                    let envelope: serde_json::Value =
                        serde_json::from_str(&message.body).expect("envelopes are JSON");
                    if envelope["payload"] != payload {
                        self.violations.push(format!(
                            "a message of event {event} does not carry its payload"
                        ));
                    }
                    ids.insert(envelope["id"].as_str().unwrap_or_default().to_string());
                }
            }
            if ids.len() > 1 {
                self.violations.push(format!(
                    "event {event} was published under {} envelope ids",
                    ids.len()
                ));
            }
        }
        // Forged deliveries carry a body of a genuine event with another signature: what they
        // must not leave is a claim or message no genuine delivery accounts for.
        let genuine: BTreeSet<String> = (0..self.schedule.events.len())
            .map(|event| self.pk_of(event))
            .collect();
        for claim in self.stored_claims() {
            if !genuine.contains(&claim.pk()) {
                self.violations.push(format!(
                    "claim {} belongs to no genuine delivery",
                    claim.pk()
                ));
            }
        }
        for queue in QUEUES {
            for message in self.queues.inner.sent(queue) {
                if !genuine.contains(&pk_of(&message)) {
                    self.violations.push(format!(
                        "a message in {queue} belongs to no genuine delivery"
                    ));
                }
            }
        }
    }
}

/// Runs the schedule of `seed` to its end and returns the invariants it broke (and, when
/// `verbose`, what happened step by step).
pub fn run(seed: u64, verbose: bool) -> (Vec<String>, Option<Vec<String>>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async move { Run::new(Schedule::of(seed), verbose).run().await })
}
