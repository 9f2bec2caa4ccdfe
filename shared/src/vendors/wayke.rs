//! Wayke (car dealers): six webhooks, each on its own URL whose last path segment names it;
//! typed models of every documented payload, and classification.
//!
//! Wayke sends no event name, and the incoming-vehicle and valuation-lead bodies are identical,
//! so the path decides the type, with one exception: a lead of type
//! `registrationOfInterestToBuy` (someone wants to buy one of the dealer's vehicles: the "call
//! me" and "e-mail" buttons, or a call to a tracked number) is a `buy-lead` whichever URL it
//! came to. Wayke's "New Lead" webhook sends those together with the valuation widget's sell
//! leads (`registrationOfInterestToSell`), and a buy lead must never pass for a sell lead.
//!
//! The account is the body's `branch.id` where it has one (messages, leads, orders).
//!
//! Authentication is whatever the user set up at Wayke (since 2024 Wayke documents no signature,
//! only "configure authentication for the webhook, if necessary"), so the scheme is
//! configurable: basic or a token header are what Wayke's users set up today. The default stays
//! an HMAC-SHA256 signature in `X-Wayke-Signature`, because deployments made with it rely on it.

use lambda_http::http::HeaderName;
use webhook_events::wayke::VENDOR;
pub use webhook_events::wayke::{
    BUY_LEAD, EVENT_TYPES, INCOMING_VEHICLE, INTEREST_TO_BUY, NEW_MESSAGE, NEW_ORDER,
    PROCESS_STATUS, ROUTES, VALUATION_LEAD, VEHICLE_UPDATED,
};

use super::{
    account, body_key, id_key, routed_event, Authentication, ClassifyError, Delivery, Fields,
    Vendor,
};
use crate::event::Classified;
use crate::verify::Scheme;

/// Header of the default scheme.
pub const DEFAULT_SIGNATURE_HEADER: &str = "x-wayke-signature";

/// The Wayke vendor.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wayke;

impl Vendor for Wayke {
    fn name(&self) -> &'static str {
        VENDOR
    }

    fn authentication(&self) -> Authentication {
        Authentication::Configurable {
            default: Scheme::HmacSha256 {
                header: HeaderName::from_static(DEFAULT_SIGNATURE_HEADER),
            },
        }
    }

    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError> {
        let (body, routed) = routed_event(delivery, &ROUTES, FIELDS, inferred_type)?;
        let event_type = match routed {
            INCOMING_VEHICLE | VALUATION_LEAD
                if body.str("/lead/type") == Some(INTEREST_TO_BUY) =>
            {
                BUY_LEAD
            }
            other => other,
        };
        let classified =
            |dedupe_key: String, occurred_at: Option<&str>, entity: Option<String>| Classified {
                event_type: event_type.to_string(),
                dedupe_key,
                occurred_at: occurred_at.and_then(|pointer| body.time(pointer)),
                entity,
                account: account(body.str("/branch/id")),
                published: None,
            };
        Ok(match event_type {
            // No event id: a process step that changes state twice sends two different bodies.
            PROCESS_STATUS => classified(
                body_key(event_type, delivery.body_digest),
                Some("/eventTime"),
                body.text("/itemId")
                    .map(|id| format!("item:{id}"))
                    .or_else(|| body.text("/processId").map(|id| format!("process:{id}"))),
            ),
            // `id` is the vehicle's, not the update's: two updates must both go through.
            VEHICLE_UPDATED => classified(
                body_key(event_type, delivery.body_digest),
                None,
                body.text("/id").map(|id| format!("vehicle:{id}")),
            ),
            NEW_MESSAGE => {
                let id = body.required_id("/message/id", "message.id")?;
                let conversation = body.text("/message/conversation/id");
                classified(
                    id_key(event_type, &id),
                    Some("/message/createdAt"),
                    conversation.map(|id| format!("conversation:{id}")),
                )
            }
            INCOMING_VEHICLE | VALUATION_LEAD | BUY_LEAD => {
                let id = body.required_id("/lead/id", "lead.id")?;
                classified(
                    id_key(event_type, &id),
                    Some("/lead/createdAt"),
                    Some(format!("lead:{id}")),
                )
            }
            _ => {
                let id = body.required_id("/id", "id")?;
                classified(
                    id_key(event_type, &id),
                    Some("/createdAt"),
                    Some(format!("order:{id}")),
                )
            }
        })
    }
}

/// The fields classification reads.
const FIELDS: &[&str] = &[
    "/eventType",
    "/eventTime",
    "/itemId",
    "/processId",
    "/id",
    "/status",
    "/registrationNumber",
    "/vehicleIdentificationNumber",
    "/orderNumber",
    "/createdAt",
    "/message/id",
    "/message/createdAt",
    "/message/conversation/id",
    "/lead",
    "/lead/id",
    "/lead/type",
    "/lead/createdAt",
    "/branch/id",
];

/// The type of a body posted without a type segment, where the body decides it. A sell lead is
/// an incoming vehicle or a valuation lead and the body cannot tell which: such a body needs its
/// URL; a buy lead says what it is.
fn inferred_type(body: &Fields<'_>) -> Option<&'static str> {
    let has = |pointer: &str| body.has_value(pointer);
    if body.str("/eventType") == Some("Process") {
        Some(PROCESS_STATUS)
    } else if has("/message/id") {
        Some(NEW_MESSAGE)
    } else if has("/orderNumber") {
        Some(NEW_ORDER)
    } else if has("/lead") {
        (body.str("/lead/type") == Some(INTEREST_TO_BUY)).then_some(BUY_LEAD)
    } else if has("/id")
        && has("/status")
        && (has("/registrationNumber") || has("/vehicleIdentificationNumber"))
    {
        Some(VEHICLE_UPDATED)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::drift::UnknownFields;
    use time::macros::datetime;
    use webhook_events::wayke::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/fixtures/wayke/{name}.json", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Fields of `body` that the typed models of `webhook-events` do not know.
    fn unknown_fields(event_type: &str, body: &str) -> usize {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
            return 0;
        };
        visit_model(event_type, UnknownFields(value)).unwrap_or(0)
    }

    fn classify(route: Option<&str>, body: &str) -> Result<Classified, ClassifyError> {
        Wayke.classify(&Delivery::with_digest(route, body, &mut String::new()))
    }

    #[test]
    fn every_documented_example_deserializes() {
        let process: ProcessStatus = serde_json::from_str(&fixture(PROCESS_STATUS)).unwrap();
        assert_eq!(process.step_name.as_deref(), Some("Förkalkyl"));
        let vehicle: VehicleUpdated = serde_json::from_str(&fixture(VEHICLE_UPDATED)).unwrap();
        assert_eq!(vehicle.status.as_deref(), Some("Unpublished"));
        let message: NewMessage = serde_json::from_str(&fixture(NEW_MESSAGE)).unwrap();
        let conversation = message.message.clone().unwrap().conversation.unwrap();
        assert_eq!(conversation.members.len(), 3);
        assert_eq!(conversation.metadata.len(), 5);
        for name in [INCOMING_VEHICLE, VALUATION_LEAD] {
            let lead: LeadEvent = serde_json::from_str(&fixture(name)).unwrap();
            let lead = lead.lead.unwrap();
            assert_eq!(lead.metadata.len(), 8);
            assert_eq!(lead.kind.as_deref(), Some("registrationOfInterestToSell"));
        }
        for name in [BUY_LEAD, "buy-lead.call"] {
            let buy: LeadEvent = serde_json::from_str(&fixture(name)).unwrap();
            assert_eq!(
                buy.vehicle.unwrap().vin_number.as_deref(),
                Some("YV1XZ72V0N2000001")
            );
            assert_eq!(
                buy.subject.unwrap().registration_number.as_deref(),
                Some("KLM482")
            );
            let lead = buy.lead.unwrap();
            assert_eq!(
                (lead.kind.as_deref(), lead.status.as_deref()),
                (Some(INTEREST_TO_BUY), Some("new"))
            );
        }
        assert_eq!(process.executed_by.as_deref(), Some("Kontrakt"));
        let subject = message.subject.unwrap();
        assert_eq!(subject.registration_number.as_deref(), Some("BFB25K"));
        let order: NewOrder = serde_json::from_str(&fixture(NEW_ORDER)).unwrap();
        assert!(order.branch.is_some());
        assert_eq!(order.price, Some(549800.0));
        assert_eq!(order.payment.unwrap().loan.unwrap().duration, Some(84));
        assert_eq!(order.trade_in.unwrap().model_year, Some(2022));
        assert_eq!(order.accessories.len(), 1);
    }

    #[test]
    fn documented_examples_have_no_unknown_fields() {
        for event_type in EVENT_TYPES {
            assert_eq!(
                unknown_fields(event_type, &fixture(event_type)),
                0,
                "{event_type}"
            );
        }
        assert_eq!(unknown_fields(BUY_LEAD, &fixture("buy-lead.call")), 0);
        let drifted = fixture(VEHICLE_UPDATED).replacen('{', "{\"mileage\": 1200,", 1);
        assert_eq!(unknown_fields(VEHICLE_UPDATED, &drifted), 1);
    }

    #[test]
    fn each_route_classifies_its_example() {
        let cases = [
            (
                PROCESS_STATUS,
                None,
                Some(datetime!(2023-06-05 08:11:25.9751982 UTC)),
                Some("item:7ca2ab6f-0593-4ae4-a7b4-1618dcc4b131"),
            ),
            (
                VEHICLE_UPDATED,
                None,
                None,
                Some("vehicle:603c5053-af12-4783-b8b0-2a7589a35c07"),
            ),
            (
                NEW_MESSAGE,
                Some("new-message:e8333b6a-bedf-4d3b-8461-e5ca13613d74"),
                Some(datetime!(2023-03-20 18:27:50.3086451 UTC)),
                Some("conversation:4dd452d8-fc46-41b6-b146-5fa1bc69f3ff"),
            ),
            (
                INCOMING_VEHICLE,
                Some("incoming-vehicle:db0221ff-ebf0-4610-89ff-91c8e03309d0"),
                Some(datetime!(2023-11-07 08:19:45.7867015 UTC)),
                Some("lead:db0221ff-ebf0-4610-89ff-91c8e03309d0"),
            ),
            (
                VALUATION_LEAD,
                Some("valuation-lead:db0221ff-ebf0-4610-89ff-91c8e03309d0"),
                Some(datetime!(2023-11-07 08:19:45.7867015 UTC)),
                Some("lead:db0221ff-ebf0-4610-89ff-91c8e03309d0"),
            ),
            (
                NEW_ORDER,
                Some("new-order:7384171f-193d-4651-92a5-d9d976e0092f"),
                Some(datetime!(2023-03-20 22:31:26.6025563 UTC)),
                Some("order:7384171f-193d-4651-92a5-d9d976e0092f"),
            ),
        ];
        for (event_type, key, occurred_at, entity) in cases {
            let body = fixture(event_type);
            let classified = classify(Some(event_type), &body).unwrap();
            assert_eq!(classified.event_type, event_type);
            let branch = match event_type {
                PROCESS_STATUS | VEHICLE_UPDATED => None,
                NEW_ORDER => Some("5f0c9a2e-71d4-4c0e-9b1a-3d2e8c7b6a10"),
                _ => Some("1bfec2d5-b3a6-4dda-9c0e-c993d55ca1b0"),
            };
            assert_eq!(classified.account.as_deref(), branch, "{event_type}");
            let expected_key = key.map(String::from).unwrap_or_else(|| {
                body_key(event_type, &crate::event::body_digest(body.as_bytes()))
            });
            assert_eq!(classified.dedupe_key, expected_key, "{event_type}");
            assert_eq!(classified.occurred_at, occurred_at, "{event_type}");
            assert_eq!(classified.entity.as_deref(), entity, "{event_type}");
        }
    }

    #[test]
    fn a_buy_lead_is_never_taken_for_a_sell_lead_whichever_url_it_came_to() {
        for name in [BUY_LEAD, "buy-lead.call"] {
            let body = fixture(name);
            let id = if name == BUY_LEAD {
                "c41f8e20-7b3a-4d59-a1e6-0f2b9c8d7e65"
            } else {
                "0a9e6d21-55c7-4b83-9f10-7e4d3c2b1a09"
            };
            for route in [Some(VALUATION_LEAD), Some(INCOMING_VEHICLE), None] {
                let classified = classify(route, &body).unwrap();
                assert_eq!(classified.event_type, BUY_LEAD, "{name} on {route:?}");
                assert_eq!(classified.dedupe_key, format!("buy-lead:{id}"));
                assert_eq!(classified.entity, Some(format!("lead:{id}")));
                assert_eq!(
                    classified.account.as_deref(),
                    Some("5f0c9a2e-71d4-4c0e-9b1a-3d2e8c7b6a10")
                );
                assert!(classified.occurred_at.is_some());
            }
        }
        // A sell lead keeps the type of its URL, and without one it still needs its URL.
        let sell = fixture(VALUATION_LEAD);
        assert_eq!(
            classify(Some(VALUATION_LEAD), &sell).unwrap().event_type,
            VALUATION_LEAD
        );
        assert_eq!(
            classify(Some(INCOMING_VEHICLE), &sell).unwrap().event_type,
            INCOMING_VEHICLE
        );
        assert_eq!(classify(None, &sell), Err(ClassifyError::UnknownEventType));
        // A buy lead is not a URL of its own.
        assert_eq!(
            classify(Some(BUY_LEAD), &fixture(BUY_LEAD)),
            Err(ClassifyError::UnknownEventType)
        );
    }

    #[test]
    fn two_states_of_one_process_step_and_two_updates_of_one_vehicle_are_two_events() {
        let started = fixture(PROCESS_STATUS).replace("started/pending/completed", "started");
        let completed = fixture(PROCESS_STATUS).replace("started/pending/completed", "completed");
        assert_ne!(
            classify(Some(PROCESS_STATUS), &started).unwrap().dedupe_key,
            classify(Some(PROCESS_STATUS), &completed)
                .unwrap()
                .dedupe_key
        );
        let unpublished = fixture(VEHICLE_UPDATED);
        let published = unpublished.replace("Unpublished", "Published");
        assert_ne!(
            classify(Some(VEHICLE_UPDATED), &unpublished)
                .unwrap()
                .dedupe_key,
            classify(Some(VEHICLE_UPDATED), &published)
                .unwrap()
                .dedupe_key
        );
    }

    #[test]
    fn without_a_route_the_body_decides_where_it_can() {
        for (name, expected) in [
            (PROCESS_STATUS, Ok(PROCESS_STATUS)),
            (VEHICLE_UPDATED, Ok(VEHICLE_UPDATED)),
            (NEW_MESSAGE, Ok(NEW_MESSAGE)),
            (NEW_ORDER, Ok(NEW_ORDER)),
            (INCOMING_VEHICLE, Err(ClassifyError::UnknownEventType)),
            (VALUATION_LEAD, Err(ClassifyError::UnknownEventType)),
        ] {
            let result = classify(None, &fixture(name)).map(|c| c.event_type);
            assert_eq!(result, expected.map(String::from), "{name}");
        }
        assert_eq!(classify(None, "{}"), Err(ClassifyError::UnknownEventType));
    }

    #[test]
    fn bad_input() {
        assert_eq!(
            classify(Some("vehicle-deleted"), "{}"),
            Err(ClassifyError::UnknownEventType)
        );
        assert_eq!(
            classify(Some(NEW_ORDER), "nope"),
            Err(ClassifyError::NotJson)
        );
        assert_eq!(classify(Some(NEW_ORDER), "[]"), Err(ClassifyError::Shape));
        assert_eq!(
            classify(Some(NEW_ORDER), "{}"),
            Err(ClassifyError::MissingField("id".into()))
        );
        assert_eq!(
            classify(Some(NEW_MESSAGE), &fixture(INCOMING_VEHICLE)),
            Err(ClassifyError::MissingField("message.id".into()))
        );
        assert_eq!(
            classify(Some(VALUATION_LEAD), r#"{"lead":{}}"#),
            Err(ClassifyError::MissingField("lead.id".into()))
        );
        // Types with no required field take any object.
        assert!(classify(Some(VEHICLE_UPDATED), r#"{"unexpected":true}"#).is_ok());
    }
}
