//! `reflex_process`: `POST /process` on the Reflex Layer with a prompt; a 200 is a success.
//! Feeds the Reflex Layer's latency and throughput rows.

use loadgen::{Answer, Method, Request};

use super::{CheckContext, Destination, Draw, ErrorKind, FirstRequest, KindDef, ServiceKind};
use crate::spec::rows::Component;

pub struct ReflexProcess;

impl KindDef for ReflexProcess {
    fn name(&self) -> &'static str {
        "reflex_process"
    }

    fn service(&self) -> ServiceKind {
        ServiceKind::Reflex
    }

    fn goal_texts(&self) -> bool {
        false
    }

    fn first_request(&self, draw: Draw<'_>) -> FirstRequest {
        FirstRequest {
            destination: Destination::Reflex,
            method: Method::POST,
            path: "/process",
            body: serde_json::json!({"text": draw.text, "user_id": draw.user_id}),
        }
    }

    fn check(
        &self,
        _step: u8,
        _request: &Request,
        status: u16,
        _body: &[u8],
        _context: &CheckContext,
    ) -> Result<Answer, ErrorKind> {
        if status == 200 {
            Ok(Answer::Done(Ok(())))
        } else {
            Err(ErrorKind::Http(status))
        }
    }

    fn latency_rows(&self) -> &'static [Component] {
        &[Component::Reflex]
    }

    fn throughput_rows(&self) -> &'static [Component] {
        &[Component::Reflex]
    }
}
