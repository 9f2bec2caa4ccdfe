//! Service Order Hub (repair cases): eight webhook types, each on its own URL whose last path
//! segment names it; typed models of the older (V1) bodies and the current V3 ones, and
//! classification.
//!
//! The hub may call with any HTTP method (GET, POST, PUT, PATCH, DELETE), always with a JSON
//! body, and every method is treated alike. It authenticates with constant custom headers: the
//! scheme is configurable (`token:<header>` or `basic`), and the default is a token in
//! `X-Webhook-Token`. Case guids are opaque text: the hub's own examples are not valid UUIDs.
//! No body names the hub account the webhook belongs to (`senderAccountId` is a message
//! author's), so the account is unknown.

use lambda_http::http::HeaderName;
use webhook_events::service_order_hub::VENDOR;
pub use webhook_events::service_order_hub::{
    CASE_UPDATED, COST_PROPOSAL, EVENT_TYPES, FILE_UPLOADED, INVOICE, MESSAGE_CONFIRMED,
    NEW_MESSAGE, NEW_STATUS, STATUS_TRANSITION,
};

use super::{
    body_key, id_key, routed_event, Authentication, ClassifyError, Delivery, Field, Fields, Vendor,
};
use crate::event::Classified;
use crate::verify::Scheme;

/// Header of the default scheme.
pub const DEFAULT_TOKEN_HEADER: &str = "x-webhook-token";

/// The Service Order Hub vendor.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceOrderHub;

impl Vendor for ServiceOrderHub {
    fn name(&self) -> &'static str {
        VENDOR
    }

    fn authentication(&self) -> Authentication {
        Authentication::Configurable {
            default: Scheme::Token {
                header: HeaderName::from_static(DEFAULT_TOKEN_HEADER),
            },
        }
    }

    fn classify(&self, delivery: &Delivery<'_>) -> Result<Classified, ClassifyError> {
        let (body, event_type) = routed_event(delivery, EVENT_TYPES, FIELDS, inferred_type)?;
        let dedupe_key = match event_type {
            // V3 statuses carry the id of the status record; V1 ones carry none.
            NEW_STATUS | STATUS_TRANSITION => match body.text("/id") {
                Some(_) => id_key(event_type, &body.required_id("/id", "id")?),
                None => body_key(event_type, delivery.body_digest),
            },
            // A message is sent once, and confirmed once.
            NEW_MESSAGE | MESSAGE_CONFIRMED => id_key(event_type, &body.required_id("/id", "id")?),
            // The id of a cost proposal or invoice is the entity's: an invoice created then updated
            // is two events. Files and case updates carry no id at all.
            _ => body_key(event_type, delivery.body_digest),
        };
        let occurred_at = match event_type {
            NEW_STATUS | STATUS_TRANSITION => body.first_time(&["/declaredAt", "/createdAt"]),
            NEW_MESSAGE => body.first_time(&["/createdAt"]),
            MESSAGE_CONFIRMED => body.first_time(&["/confirmedAt", "/updatedAt"]),
            COST_PROPOSAL | INVOICE => body.first_time(&["/updatedAt", "/createdAt"]),
            _ => None,
        };
        let entity = match event_type {
            INVOICE => body
                .text("/case/guid")
                .map(|guid| format!("case:{guid}"))
                .or_else(|| body.text("/id").map(|id| format!("invoice:{id}"))),
            _ => body.text("/guid").map(|guid| format!("case:{guid}")),
        };
        Ok(Classified {
            event_type: event_type.to_string(),
            dedupe_key,
            occurred_at,
            entity,
            account: None,
            published: None,
        })
    }
}

/// The fields classification reads.
const FIELDS: &[&str] = &[
    "/id",
    "/guid",
    "/case/guid",
    "/declaredAt",
    "/createdAt",
    "/updatedAt",
    "/confirmedAt",
    "/prevKey",
    "/files",
    "/isPaid",
    "/isSent",
    "/content",
    "/priceNet",
    "/details",
    "/key",
    "/name",
];

/// The type of a body sent without a type segment, where the body decides it. A case update
/// holds only `guid` and changed keys, which nothing distinguishes, and a message without a
/// confirmation time may be new or confirmed: those need their URL.
fn inferred_type(body: &Fields<'_>) -> Option<&'static str> {
    if body.has("/prevKey") {
        Some(STATUS_TRANSITION)
    } else if body.get("/files") == Some(&Field::Array) {
        Some(FILE_UPLOADED)
    } else if body.has("/isPaid") || body.has("/isSent") {
        Some(INVOICE)
    } else if body.has("/content") {
        // A confirmation has the message's shape, and its `confirmedAt` may still be null:
        // only a confirmation time decides.
        body.has_value("/confirmedAt").then_some(MESSAGE_CONFIRMED)
    } else if body.has("/priceNet") && body.has("/details") {
        Some(COST_PROPOSAL)
    } else if body.has("/key") && body.has("/name") {
        Some(NEW_STATUS)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::drift::UnknownFields;
    use time::macros::datetime;
    use webhook_events::service_order_hub::*;
    use webhook_events::Id;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/fixtures/service-order-hub/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Fields of `body` that the typed models of `webhook-events` do not know.
    fn unknown_fields(event_type: &str, body: &str) -> usize {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
            return 0;
        };
        // A case update carries any changed key: its model keeps them all, none is unknown.
        visit_model(event_type, UnknownFields(value)).unwrap_or(0)
    }

    fn classify(route: Option<&str>, body: &str) -> Result<Classified, ClassifyError> {
        ServiceOrderHub.classify(&Delivery::with_digest(route, body, &mut String::new()))
    }

    #[test]
    fn every_example_deserializes_v1_and_v3() {
        for name in [
            "new-status.v1",
            "new-status.v3",
            "status-transition",
            "status-transition.v3",
        ] {
            let status: Status = serde_json::from_str(&fixture(name)).unwrap();
            assert_eq!(status.key.as_deref(), Some("final"), "{name}");
        }
        let v3: Status = serde_json::from_str(&fixture("status-transition.v3")).unwrap();
        assert_eq!(
            (v3.id, v3.case_id),
            (Some(Id::Number(48211)), Some(Id::Number(90210)))
        );
        assert_eq!(v3.prev_key.as_deref(), Some("arrived"));
        for name in ["cost-proposal.v1", "cost-proposal.v3"] {
            let proposal: CostProposal = serde_json::from_str(&fixture(name)).unwrap();
            assert!(!proposal.details.is_empty(), "{name}");
        }
        let proposal: CostProposal = serde_json::from_str(&fixture("cost-proposal.v3")).unwrap();
        assert_eq!(proposal.service_provider_id, Some(Id::Number(311)));
        for name in ["new-message.v1", "new-message.v3", "message-confirmed.v3"] {
            let message: Message = serde_json::from_str(&fixture(name)).unwrap();
            assert!(message.id.is_some(), "{name}");
        }
        let confirmed: Message = serde_json::from_str(&fixture("message-confirmed.v3")).unwrap();
        assert_eq!(confirmed.sender_type.as_deref(), Some("provider"));
        assert!(confirmed.confirmed_at.is_some());
        let files: FilesUploaded = serde_json::from_str(&fixture("file-uploaded")).unwrap();
        assert_eq!(files.files[0].name.as_deref(), Some("201920072424556.pdf"));
        let update: CaseUpdated = serde_json::from_str(&fixture("case-updated")).unwrap();
        assert!(update.consumer.is_some());
        assert!(update.other.contains_key("sender"));
        let invoice: Invoice = serde_json::from_str(&fixture("invoice.v3")).unwrap();
        assert_eq!(invoice.details.len(), 2);
        assert_eq!(invoice.details[1].other["unit"], "h");
        let case = invoice.case_data.unwrap();
        assert!(case.order_data.is_some() && case.product_data.is_some());
        assert_eq!(case.core["id"], 90210);
    }

    /// Route, fixture, dedupe key (`None`: the body key), time, entity.
    type Expected = (
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<time::OffsetDateTime>,
        Option<&'static str>,
    );

    #[test]
    fn each_route_classifies_its_examples() {
        let case = "case:a7afaf9-7c6e-4d0e-b756-16b4afa1382f";
        let cases: [Expected; 12] = [
            (
                NEW_STATUS,
                "new-status.v1",
                None,
                Some(datetime!(2019-01-22 11:27:34.233 UTC)),
                Some(case),
            ),
            (
                NEW_STATUS,
                "new-status.v3",
                Some("new-status:48211"),
                Some(datetime!(2024-03-04 09:14:40 UTC)),
                Some(case),
            ),
            (
                STATUS_TRANSITION,
                "status-transition",
                Some("status-transition:123"),
                Some(datetime!(2019-01-22 11:27:34.233 UTC)),
                Some(case),
            ),
            (
                STATUS_TRANSITION,
                "status-transition.v3",
                Some("status-transition:48211"),
                Some(datetime!(2024-03-04 09:14:40 UTC)),
                Some(case),
            ),
            (
                COST_PROPOSAL,
                "cost-proposal.v1",
                None,
                Some(datetime!(2019-11-25 10:43:20.523 UTC)),
                Some("case:f5afa004-f48c-4380-9f9b-cafaea0dd7de"),
            ),
            (
                COST_PROPOSAL,
                "cost-proposal.v3",
                None,
                Some(datetime!(2024-03-04 10:00:00 UTC)),
                Some("case:f5afa004-f48c-4380-9f9b-cafaea0dd7de"),
            ),
            (
                NEW_MESSAGE,
                "new-message.v1",
                Some("new-message:59076"),
                Some(datetime!(2019-11-25 10:33:54.283 UTC)),
                Some("case:f5afa004-f48c-4380-9f9b-cc9afa0dd7de"),
            ),
            (
                NEW_MESSAGE,
                "new-message.v3",
                Some("new-message:59077"),
                Some(datetime!(2024-03-04 10:05:01 UTC)),
                Some("case:f5afa004-f48c-4380-9f9b-cc9afa0dd7de"),
            ),
            (
                MESSAGE_CONFIRMED,
                "message-confirmed.v3",
                Some("message-confirmed:59077"),
                Some(datetime!(2024-03-04 11:30:00 UTC)),
                Some("case:f5afa004-f48c-4380-9f9b-cc9afa0dd7de"),
            ),
            (
                FILE_UPLOADED,
                "file-uploaded",
                None,
                None,
                Some("case:f5afa004-f48c-4380-9f9b-cc9afa0dd7de"),
            ),
            (
                CASE_UPDATED,
                "case-updated",
                None,
                None,
                Some("case:989d0f73-f87a-4dfe-98eb-554a44233cef"),
            ),
            (
                INVOICE,
                "invoice.v3",
                None,
                Some(datetime!(2024-03-04 12:00:00 UTC)),
                Some(case),
            ),
        ];
        for (event_type, name, key, occurred_at, entity) in cases {
            let body = fixture(name);
            let classified = classify(Some(event_type), &body).unwrap();
            let expected_key = key.map(String::from).unwrap_or_else(|| {
                body_key(event_type, &crate::event::body_digest(body.as_bytes()))
            });
            assert_eq!(classified.event_type, event_type, "{name}");
            assert_eq!(classified.dedupe_key, expected_key, "{name}");
            assert_eq!(classified.occurred_at, occurred_at, "{name}");
            assert_eq!(classified.entity.as_deref(), entity, "{name}");
        }
    }

    #[test]
    fn documented_examples_have_no_unknown_fields() {
        for (event_type, name) in [
            (NEW_STATUS, "new-status.v1"),
            (NEW_STATUS, "new-status.v3"),
            (STATUS_TRANSITION, "status-transition"),
            (STATUS_TRANSITION, "status-transition.v3"),
            (COST_PROPOSAL, "cost-proposal.v1"),
            (COST_PROPOSAL, "cost-proposal.v3"),
            (NEW_MESSAGE, "new-message.v1"),
            (NEW_MESSAGE, "new-message.v3"),
            (MESSAGE_CONFIRMED, "message-confirmed.v3"),
            (FILE_UPLOADED, "file-uploaded"),
            (INVOICE, "invoice.v3"),
        ] {
            assert_eq!(unknown_fields(event_type, &fixture(name)), 0, "{name}");
        }
        let drifted = fixture("new-message.v3").replacen('{', "{\"priority\": \"high\",", 1);
        assert_eq!(unknown_fields(NEW_MESSAGE, &drifted), 1);
    }

    #[test]
    fn an_invoice_created_then_updated_is_two_events() {
        let created = fixture("invoice.v3");
        let updated = created
            .replace("\"status\": \"created\"", "\"status\": \"updated\"")
            .replace("\"isPaid\": false", "\"isPaid\": true");
        assert_ne!(
            classify(Some(INVOICE), &created).unwrap().dedupe_key,
            classify(Some(INVOICE), &updated).unwrap().dedupe_key
        );
        assert_eq!(
            classify(Some(INVOICE), &created),
            classify(Some(INVOICE), &created)
        );
    }

    #[test]
    fn a_confirmation_without_a_confirmation_time_is_still_a_confirmation_on_its_url() {
        let body = fixture("message-confirmed.v3.unconfirmed");
        let classified = classify(Some(MESSAGE_CONFIRMED), &body).unwrap();
        assert_eq!(classified.event_type, MESSAGE_CONFIRMED);
        assert_eq!(classified.dedupe_key, "message-confirmed:59077");
        // No confirmation time: the last update is when it happened.
        assert_eq!(
            classified.occurred_at,
            Some(datetime!(2024-03-04 11:30:00 UTC))
        );
        assert_eq!(unknown_fields(MESSAGE_CONFIRMED, &body), 0);
    }

    #[test]
    fn guids_are_opaque_text_and_no_account_is_named() {
        for guid in [
            "a7afaf9-7c6e-4d0e-b756-16b4afa1382f",
            "68ea1505-12345-4434-be5a-dcc959be250e",
            "case 12",
        ] {
            let body = format!(r#"{{"id": 5, "guid": "{guid}", "key": "final", "name": "Done"}}"#);
            let classified = classify(Some(NEW_STATUS), &body).unwrap();
            assert_eq!(classified.entity, Some(format!("case:{guid}")));
            assert_eq!(classified.account, None);
        }
    }

    #[test]
    fn a_message_and_its_confirmation_are_two_events() {
        let sent = classify(Some(NEW_MESSAGE), &fixture("new-message.v3")).unwrap();
        let confirmed =
            classify(Some(MESSAGE_CONFIRMED), &fixture("message-confirmed.v3")).unwrap();
        assert_ne!(sent.dedupe_key, confirmed.dedupe_key);
    }

    #[test]
    fn without_a_route_the_body_decides_where_it_can() {
        for (name, expected) in [
            ("new-status.v1", Some(NEW_STATUS)),
            ("status-transition.v3", Some(STATUS_TRANSITION)),
            ("cost-proposal.v3", Some(COST_PROPOSAL)),
            ("new-message.v3", None),
            ("message-confirmed.v3", Some(MESSAGE_CONFIRMED)),
            ("message-confirmed.v3.unconfirmed", None),
            ("file-uploaded", Some(FILE_UPLOADED)),
            ("invoice.v3", Some(INVOICE)),
            ("case-updated", None),
        ] {
            let result = classify(None, &fixture(name)).map(|c| c.event_type);
            let expected = expected
                .map(String::from)
                .ok_or(ClassifyError::UnknownEventType);
            assert_eq!(result, expected, "{name}");
        }
    }

    #[test]
    fn bad_input() {
        assert_eq!(
            classify(Some("case-deleted"), "{}"),
            Err(ClassifyError::UnknownEventType)
        );
        assert_eq!(
            classify(Some(INVOICE), "<html/>"),
            Err(ClassifyError::NotJson)
        );
        assert_eq!(
            classify(Some(INVOICE), "\"text\""),
            Err(ClassifyError::Shape)
        );
        assert_eq!(
            classify(Some(NEW_MESSAGE), r#"{"guid":"g"}"#),
            Err(ClassifyError::MissingField("id".into()))
        );
        assert!(classify(Some(CASE_UPDATED), r#"{"guid":"g","orderData":null}"#).is_ok());
    }
}
