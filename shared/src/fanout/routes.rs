//! Routing rules from `FANOUT`: `<event-type glob>=<queue url>[,<queue url>…]`, rules separated
//! by `;`. Every rule whose glob matches the event type adds its queues; `*` matches any run of
//! characters, so `*` alone matches every event type and `sales_order.*` every sales order event.
//! [`Routing`] holds the rules of every vendor a function publishes for.

use std::collections::HashMap;
use std::str::FromStr;

/// Parsed routing rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    pattern: String,
    queues: Vec<String>,
}

/// A `FANOUT` value that cannot be used; rules are numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutesError {
    #[error("no routing rule is given")]
    Empty,
    #[error("rule {rule} is not of the form <event-type glob>=<queue url>[,<queue url>…]")]
    NotARule { rule: usize },
    #[error("rule {rule} has an empty event-type pattern")]
    EmptyPattern { rule: usize },
    #[error("rule {rule} names no queue")]
    NoQueue { rule: usize },
    #[error("rule {rule} has a queue that is not an http(s) URL")]
    NotAUrl { rule: usize },
}

impl FromStr for Routes {
    type Err = RoutesError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let rules = text
            .split(';')
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .enumerate()
            .map(|(index, rule)| parse_rule(index + 1, rule))
            .collect::<Result<Vec<_>, _>>()?;
        if rules.is_empty() {
            return Err(RoutesError::Empty);
        }
        Ok(Self { rules })
    }
}

fn parse_rule(rule: usize, text: &str) -> Result<Rule, RoutesError> {
    let (pattern, queues) = text.split_once('=').ok_or(RoutesError::NotARule { rule })?;
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(RoutesError::EmptyPattern { rule });
    }
    let queues: Vec<String> = queues
        .split(',')
        .map(str::trim)
        .filter(|queue| !queue.is_empty())
        .map(String::from)
        .collect();
    if queues.is_empty() {
        return Err(RoutesError::NoQueue { rule });
    }
    if !queues.iter().all(|queue| is_http_url(queue)) {
        return Err(RoutesError::NotAUrl { rule });
    }
    Ok(Rule {
        pattern: pattern.to_string(),
        queues,
    })
}

fn is_http_url(text: &str) -> bool {
    ["https://", "http://"].iter().any(|scheme| {
        text.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
            && text.len() > scheme.len()
            && !text.contains(char::is_whitespace)
    })
}

impl Routes {
    /// The queues `event_type` goes to, each once, in the order the rules name them.
    pub fn queues_for(&self, event_type: &str) -> Vec<&str> {
        let mut queues: Vec<&str> = Vec::new();
        for rule in self
            .rules
            .iter()
            .filter(|rule| glob_matches(&rule.pattern, event_type))
        {
            for queue in &rule.queues {
                if !queues.contains(&queue.as_str()) {
                    queues.push(queue);
                }
            }
        }
        queues
    }
}

/// The routing rules of each vendor a function publishes for: its own vendor for a vendor
/// function, every vendor for the republisher. Rules are applied when a claim is published, so
/// a corrected `FANOUT` applies to every claim still unpublished.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routing {
    by_vendor: HashMap<String, Routes>,
}

impl Routing {
    /// The routing of one vendor.
    pub fn of(vendor: &str, routes: Routes) -> Self {
        Self::default().with(vendor, routes)
    }

    /// This routing and `vendor`'s `routes`.
    pub fn with(mut self, vendor: &str, routes: Routes) -> Self {
        self.by_vendor.insert(vendor.to_string(), routes);
        self
    }

    /// The queues `vendor`'s `event_type` goes to; `None` when this routing has no rules for
    /// `vendor`.
    pub fn queues_for(&self, vendor: &str, event_type: &str) -> Option<Vec<&str>> {
        self.by_vendor
            .get(vendor)
            .map(|routes| routes.queues_for(event_type))
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of characters (possibly none)
/// and every other character for itself. Linear-time greedy matching with backtracking to the
/// last star, so no pattern can make it slow.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.as_bytes();
    let text = text.as_bytes();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "https://sqs.eu-west-1.amazonaws.com/123/a";
    const B: &str = "https://sqs.eu-west-1.amazonaws.com/123/b";
    const C: &str = "https://sqs.eu-west-1.amazonaws.com/123/c.fifo";

    #[test]
    fn every_matching_rule_adds_its_queues_once() {
        let routes: Routes = format!("*={A}; sales_order.*={B},{A} ;sales_order.created={C}")
            .parse()
            .unwrap();
        assert_eq!(routes.queues_for("sales_order.created"), vec![A, B, C]);
        assert_eq!(routes.queues_for("sales_order.updated"), vec![A, B]);
        assert_eq!(routes.queues_for("store_order.created"), vec![A]);
    }

    #[test]
    fn routing_answers_per_vendor_and_only_for_known_vendors() {
        let routing = Routing::of("wayke", format!("*={A}").parse().unwrap())
            .with("revo-xef", format!("order.*={B}").parse().unwrap());
        assert_eq!(routing.queues_for("wayke", "new-order"), Some(vec![A]));
        assert_eq!(
            routing.queues_for("revo-xef", "order.created"),
            Some(vec![B])
        );
        assert_eq!(
            routing.queues_for("revo-xef", "product.updated"),
            Some(vec![])
        );
        assert_eq!(routing.queues_for("cyclesoftware", "x"), None);
    }

    #[test]
    fn an_event_type_no_rule_matches_goes_nowhere() {
        let routes: Routes = format!("order.*={A}").parse().unwrap();
        assert!(routes.queues_for("product.updated").is_empty());
    }

    #[test]
    fn globs() {
        let cases = [
            ("*", "", true),
            ("*", "anything.at.all", true),
            ("a.*", "a.b", true),
            ("a.*", "a.", true),
            ("a.*", "ab", false),
            ("*.created", "customer.created", true),
            ("*.created", "customer.created.x", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("**", "x", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_matches(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn invalid_rules_are_refused_with_their_number() {
        assert_eq!("".parse::<Routes>(), Err(RoutesError::Empty));
        assert_eq!(" ; ".parse::<Routes>(), Err(RoutesError::Empty));
        assert_eq!(
            format!("*={A};nothing").parse::<Routes>(),
            Err(RoutesError::NotARule { rule: 2 })
        );
        assert_eq!(
            format!("={A}").parse::<Routes>(),
            Err(RoutesError::EmptyPattern { rule: 1 })
        );
        assert_eq!(
            "*= , ".parse::<Routes>(),
            Err(RoutesError::NoQueue { rule: 1 })
        );
        assert_eq!(
            "*=queue-name".parse::<Routes>(),
            Err(RoutesError::NotAUrl { rule: 1 })
        );
        assert_eq!(
            "*=https://".parse::<Routes>(),
            Err(RoutesError::NotAUrl { rule: 1 })
        );
    }
}
