//! `arm_execute`: `POST /execute` on one arm, the calls spread evenly over the arm kinds the
//! scenario names (each also counted in its own series, `arm_execute[coder]`); an answer with
//! `success: true` is a success, else its error code is the error kind (`arm_llm_timeout`).
//! Feeds the arms' latency and throughput rows.

use loadgen::{Answer, Method, Request};

use super::{CheckContext, Destination, Draw, ErrorKind, FirstRequest, KindDef, ServiceKind};
use crate::spec::rows::Component;

pub struct ArmExecute;

impl KindDef for ArmExecute {
    fn name(&self) -> &'static str {
        "arm_execute"
    }

    fn service(&self) -> ServiceKind {
        ServiceKind::Arms
    }

    fn check_spec(&self, arms: &[String]) -> Result<(), String> {
        if arms.is_empty() {
            return Err("field `requests.arms`: arm_execute needs at least one arm kind".into());
        }
        Ok(())
    }

    fn details(&self, arms: &[String]) -> Vec<String> {
        arms.to_vec()
    }

    fn first_request(&self, draw: Draw<'_>) -> FirstRequest {
        // Unique across runs too: an arm answers a repeated request_id from its idempotency
        // cache, and a second run against the same arms must not be served from it.
        let request_id = format!("load-{:08x}-{}", *RUN_NONCE, draw.counter);
        FirstRequest {
            destination: Destination::Arm(draw.detail.expect("an arm kind, checked").to_owned()),
            method: Method::POST,
            path: "/execute",
            body: serde_json::json!({
                "task": {"goal": draw.text, "task_id": request_id},
                "request_id": request_id,
                "timeout_seconds": 30,
            }),
        }
    }

    fn check(
        &self,
        _step: u8,
        _request: &Request,
        status: u16,
        body: &[u8],
        _context: &CheckContext,
    ) -> Result<Answer, ErrorKind> {
        if status != 200 {
            return Err(ErrorKind::Http(status));
        }
        let answer =
            serde_json::from_slice::<serde_json::Value>(body).map_err(|_| ErrorKind::BadBody)?;
        if answer["success"].as_bool() == Some(true) {
            return Ok(Answer::Done(Ok(())));
        }
        let code = answer["error"]["code"].as_str().unwrap_or("failed");
        Err(ErrorKind::Arm(code.to_owned()))
    }

    fn latency_rows(&self) -> &'static [Component] {
        &[Component::Arms]
    }

    fn throughput_rows(&self) -> &'static [Component] {
        &[Component::Arms]
    }
}

/// This process's own prefix of request ids.
static RUN_NONCE: std::sync::LazyLock<u32> = std::sync::LazyLock::new(|| {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
});
