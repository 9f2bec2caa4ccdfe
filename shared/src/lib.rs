//! `webhook-core`: everything the webhook functions share — verification, the event model,
//! vendor models, the claim lifecycle, fan-out, the pipeline and its HTTP edge, and where the
//! secrets come from.

pub mod aws;
pub mod claims;
pub mod clock;
pub mod config;
pub mod deadline;
pub mod digest;
pub mod event;
pub mod fanout;
pub mod function;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod pipeline;
pub mod republish;
pub mod secrets;
pub mod vendors;
pub mod verify;
