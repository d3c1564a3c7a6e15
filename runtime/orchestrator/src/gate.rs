//! The Reflex gate over every text a task carries: its goal, every string (and object key) in
//! its `context` and `constraints`, and each acceptance criterion. Each reaches an arm's LLM
//! prompt, so each passes the gate (issue 23: only the goal did, and an injection or an SSN in
//! `context` went straight to the LLM). The texts go to the Reflex Layer in one batch
//! (`POST /process/batch`); an injection anywhere blocks the task, and the PII policy applies
//! to each text before the contract is stored or sent anywhere.
//!
//! Each text goes with its channel (issue 27): the goal, constraints and acceptance criteria
//! are the user's own words (`user_input`); `context` carries what the user brings along,
//! documents and records, and is judged as a `document`, where an instruction addressed to the
//! model is the attack. An arm's output that another step will read is gated as
//! `tool_output` before it reaches that step's LLM ([`gate_output`]).

use axum::http::StatusCode;
use serde_json::Value;

use crate::{ApiError, AppState, PiiPolicy, TaskContract};

/// The most JSON values `context`, `constraints` and `acceptance_criteria` may hold together.
/// A parsed value costs about 80 bytes: a 1 MiB body of `[0,0,…]` held 16 MiB in process.
pub const MAX_CONTRACT_VALUES: usize = 10_000;
/// The longest text any field may hold, in bytes (the goal's bound).
pub const MAX_TEXT_BYTES: usize = crate::MAX_GOAL_BYTES;
/// Bytes of texts sent to the Reflex Layer in one batch: under its 1 MiB body limit even if
/// every byte were a control character, escaped in six (`\u0001`).
const BATCH_BYTES: usize = 128 * 1024;
/// Texts sent in one batch: under the Reflex Layer's 4,096.
const BATCH_TEXTS: usize = 1024;

/// The Reflex Layer's channels, as its API spells them.
pub const USER_INPUT: &str = "user_input";
pub const DOCUMENT: &str = "document";
pub const TOOL_OUTPUT: &str = "tool_output";

/// A text of the contract, where it is (`goal`, `context.notes[2]`, `context (key 0)`), and
/// the channel it is judged as.
#[derive(Debug, Clone)]
pub struct Field {
    pub path: String,
    pub text: String,
    pub channel: &'static str,
}

/// Every text of the contract the gate covers, in a fixed order ([`rewrite`] follows it).
pub fn fields(contract: &TaskContract) -> Vec<Field> {
    let mut out = vec![Field {
        path: "goal".into(),
        text: contract.goal.clone(),
        channel: USER_INPUT,
    }];
    for (name, value) in json_fields(contract) {
        if let Some(value) = value {
            let channel = if name == "context" {
                DOCUMENT
            } else {
                USER_INPUT
            };
            walk(value, name, channel, &mut out);
        }
    }
    out
}

fn json_fields(contract: &TaskContract) -> [(&'static str, Option<&Value>); 3] {
    [
        ("constraints", contract.constraints.as_ref()),
        ("context", contract.context.as_ref()),
        ("acceptance_criteria", contract.acceptance_criteria.as_ref()),
    ]
}

fn walk(value: &Value, path: &str, channel: &'static str, out: &mut Vec<Field>) {
    match value {
        Value::String(text) => out.push(Field {
            path: path.to_owned(),
            text: text.clone(),
            channel,
        }),
        Value::Array(items) => {
            for (idx, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{idx}]"), channel, out);
            }
        }
        Value::Object(map) => {
            for (idx, (key, item)) in map.iter().enumerate() {
                // Named by position: a message naming the key would repeat what it holds.
                out.push(Field {
                    path: format!("{path} (key {idx})"),
                    text: key.clone(),
                    channel,
                });
                walk(item, &format!("{path}.{key}"), channel, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Checks the JSON fields' size: at most [`MAX_CONTRACT_VALUES`] values, and no text over
/// [`MAX_TEXT_BYTES`]; the error names the field.
pub fn check_size(contract: &TaskContract) -> Result<(), ApiError> {
    fn count(value: &Value, path: &str, seen: &mut usize) -> Result<(), ApiError> {
        *seen += 1;
        if *seen > MAX_CONTRACT_VALUES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_contract",
                format!(
                    "field `{path}`: context, constraints and acceptance_criteria hold more than {MAX_CONTRACT_VALUES} JSON values together"
                ),
            ));
        }
        let too_long = |path: &str| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_contract",
                format!("field `{path}` is over {MAX_TEXT_BYTES} bytes"),
            )
        };
        match value {
            Value::String(text) if text.len() > MAX_TEXT_BYTES => Err(too_long(path)),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(idx, item)| count(item, &format!("{path}[{idx}]"), seen)),
            Value::Object(map) => map.iter().try_for_each(|(key, item)| {
                if key.len() > MAX_TEXT_BYTES {
                    return Err(too_long(&format!("{path} key")));
                }
                count(item, &format!("{path}.{key}"), seen)
            }),
            _ => Ok(()),
        }
    }
    let mut seen = 0;
    for (name, value) in json_fields(contract) {
        if let Some(value) = value {
            count(value, name, &mut seen)?;
        }
    }
    Ok(())
}

/// Gates every text of `contract` through the Reflex Layer and applies the PII policy in
/// place. Without a Reflex Layer, the contract passes as it came (the instance said so at
/// start, and each task's view says `gated: false`).
pub async fn gate(state: &AppState, contract: &mut TaskContract) -> Result<(), ApiError> {
    if !state.clients.has_reflex() {
        return Ok(());
    }
    let fields = fields(contract);
    let verdicts = check(state, &fields, &contract.user_id).await?;
    refuse_blocked(&fields, &verdicts)?;
    let policy = state.config.pii_policy;
    if policy == PiiPolicy::Allow {
        return Ok(());
    }
    let mut replacements: Vec<Option<String>> = Vec::with_capacity(fields.len());
    for (field, verdict) in fields.iter().zip(&verdicts) {
        replacements.push(apply_pii_policy(policy, field, verdict)?);
    }
    if replacements.iter().all(Option::is_none) {
        return Ok(());
    }
    let mut replacements = replacements.into_iter();
    if let Some(Some(goal)) = replacements.next() {
        contract.goal = goal;
    }
    let TaskContract {
        constraints,
        context,
        acceptance_criteria,
        ..
    } = contract;
    for value in [constraints, context, acceptance_criteria]
        .into_iter()
        .flatten()
    {
        rewrite(value, &mut replacements);
    }
    Ok(())
}

/// Gates the texts of an arm's `output` as tool output, before a step that depends on it sends
/// them to its LLM: `Err` (a message naming the field, for the step's error) when the Reflex
/// Layer blocks one. No Reflex Layer, no gate (the instance said so at start).
pub async fn gate_output(state: &AppState, user_id: &str, output: &Value) -> Result<(), String> {
    if !state.clients.has_reflex() {
        return Ok(());
    }
    let mut fields = Vec::new();
    walk(output, "output", TOOL_OUTPUT, &mut fields);
    if fields.is_empty() {
        return Ok(());
    }
    let verdicts = check(state, &fields, user_id)
        .await
        .map_err(|error| format!("its output could not be gated: {}", error.message))?;
    refuse_blocked(&fields, &verdicts).map_err(|error| error.message)
}

/// The Reflex Layer's verdict on each of `fields`, in order: one batch unless the texts are
/// large (each batch fits its body limit).
async fn check(
    state: &AppState,
    fields: &[Field],
    user_id: &str,
) -> Result<Vec<crate::clients::TextVerdict>, ApiError> {
    let mut verdicts = Vec::with_capacity(fields.len());
    let mut start = 0;
    while start < fields.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < fields.len()
            && end - start < BATCH_TEXTS
            && (end == start || bytes + fields[end].text.len() <= BATCH_BYTES)
        {
            bytes += fields[end].text.len();
            end += 1;
        }
        let texts: Vec<&str> = fields[start..end]
            .iter()
            .map(|field| field.text.as_str())
            .collect();
        let channels: Vec<&str> = fields[start..end]
            .iter()
            .map(|field| field.channel)
            .collect();
        let batch = state
            .clients
            .check_reflex_batch(&texts, &channels, user_id)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "reflex layer call failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "reflex_unavailable",
                    "the Reflex Layer could not be reached",
                )
            })?;
        if batch.status == "rate_limited" {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("user {user_id} is over their request rate"),
            ));
        }
        if batch.results.len() != end - start {
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "reflex_unreadable",
                format!(
                    "the Reflex Layer answered {} verdicts for {} texts",
                    batch.results.len(),
                    end - start
                ),
            ));
        }
        verdicts.extend(batch.results);
        start = end;
    }
    Ok(verdicts)
}

/// 400 `blocked_by_reflex`, naming every blocked field and what was found in it, when the
/// Reflex Layer blocked any of `fields`.
fn refuse_blocked(
    fields: &[Field],
    verdicts: &[crate::clients::TextVerdict],
) -> Result<(), ApiError> {
    let blocked: Vec<usize> = (0..fields.len())
        .filter(|&idx| verdicts[idx].status == "blocked")
        .collect();
    if !blocked.is_empty() {
        let names: Vec<&str> = blocked
            .iter()
            .map(|&idx| fields[idx].path.as_str())
            .collect();
        let mut kinds: Vec<&str> = blocked
            .iter()
            .flat_map(|&idx| &verdicts[idx].injection_matches)
            .filter_map(|found| found["injection_type"].as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let details: Vec<Value> = blocked
            .iter()
            .map(|&idx| {
                serde_json::json!({
                    "field": fields[idx].path,
                    "channel": fields[idx].channel,
                    "injection_matches": verdicts[idx].injection_matches,
                    "pii_matches": verdicts[idx].pii_matches,
                })
            })
            .collect();
        return Err(ApiError {
            details: Some(serde_json::json!({"fields": details})),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "blocked_by_reflex",
                format!(
                    "field `{}` was blocked by the Reflex Layer: {}",
                    names.join("`, `"),
                    kinds.join(", ")
                ),
            )
        });
    }
    Ok(())
}

/// Replaces, in the order [`fields`] walked them, each text whose replacement is `Some`. Two
/// keys of one object redacted alike keep both entries (`[EMAIL]`, `[EMAIL] #2`).
fn rewrite(value: &mut Value, replacements: &mut impl Iterator<Item = Option<String>>) {
    match value {
        Value::String(text) => {
            if let Some(Some(new)) = replacements.next() {
                *text = new;
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite(item, replacements);
            }
        }
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (key, mut item) in old {
                let mut key = replacements.next().flatten().unwrap_or(key);
                rewrite(&mut item, replacements);
                let base = key.clone();
                let mut copy = 2;
                while map.contains_key(&key) {
                    key = format!("{base} #{copy}");
                    copy += 1;
                }
                map.insert(key, item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// One text under the PII policy: `None` to keep it, its redacted form, or a 400 naming it.
fn apply_pii_policy(
    policy: PiiPolicy,
    field: &Field,
    verdict: &crate::clients::TextVerdict,
) -> Result<Option<String>, ApiError> {
    if verdict.pii_matches.is_empty() || policy == PiiPolicy::Allow {
        return Ok(None);
    }
    let kinds = || {
        let mut kinds: Vec<&str> = verdict
            .pii_matches
            .iter()
            .filter_map(|found| found["pii_type"].as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds.join(", ")
    };
    if policy == PiiPolicy::Block {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "pii_blocked",
            format!(
                "field `{}` holds personal data ({}), which this Orchestrator refuses",
                field.path,
                kinds()
            ),
        ));
    }
    if verdict.truncated {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "pii_unredactable",
            format!(
                "field `{}` holds more personal data than the Reflex Layer lists, so it cannot be redacted",
                field.path
            ),
        ));
    }
    redact(&field.text, &verdict.pii_matches)
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "reflex_unreadable",
                format!(
                    "the Reflex Layer's PII offsets do not fit field `{}`",
                    field.path
                ),
            )
        })
}

/// `text` with each finding (byte offsets `start`..`end`, type `pii_type`) replaced by
/// `[TYPE]`; overlapping findings are merged. `None` when an offset is not a character
/// boundary of the text.
pub fn redact(text: &str, findings: &[Value]) -> Option<String> {
    let mut spans: Vec<(usize, usize, String)> = findings
        .iter()
        .map(|found| {
            let start = usize::try_from(found["start"].as_u64()?).ok()?;
            let end = usize::try_from(found["end"].as_u64()?).ok()?;
            let kind = found["pii_type"].as_str().unwrap_or("pii").to_uppercase();
            (start < end && text.is_char_boundary(start) && text.is_char_boundary(end))
                .then_some((start, end, kind))
        })
        .collect::<Option<_>>()?;
    spans.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, kind) in spans {
        if end <= at {
            continue;
        }
        if start >= at {
            out.push_str(&text[at..start]);
            out.push('[');
            out.push_str(&kind);
            out.push(']');
        }
        at = end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(value: Value) -> TaskContract {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn every_string_and_key_is_a_field_and_rewrites_land_where_they_came_from() {
        let mut task = contract(serde_json::json!({
            "goal": "g", "user_id": "u", "priority": "low",
            "context": {"notes": ["a", 1, {"b": "c"}], "d": null},
            "constraints": "e",
            "acceptance_criteria": ["f"],
        }));
        let found: Vec<(String, String)> = fields(&task)
            .into_iter()
            .map(|field| (field.path, field.text))
            .collect();
        let expected = [
            ("goal", "g"),
            ("constraints", "e"),
            ("context (key 0)", "d"),
            ("context (key 1)", "notes"),
            ("context.notes[0]", "a"),
            ("context.notes[2] (key 0)", "b"),
            ("context.notes[2].b", "c"),
            ("acceptance_criteria[0]", "f"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
            .collect();
        assert_eq!(found, expected);
        let mut replacements = found.iter().map(|(_, text)| Some(format!("<{text}>")));
        replacements.next();
        let TaskContract {
            constraints,
            context,
            acceptance_criteria,
            ..
        } = &mut task;
        for value in [constraints, context, acceptance_criteria]
            .into_iter()
            .flatten()
        {
            rewrite(value, &mut replacements);
        }
        assert_eq!(
            task.context,
            Some(serde_json::json!({"<notes>": ["<a>", 1, {"<b>": "<c>"}], "<d>": null}))
        );
        assert_eq!(task.constraints, Some(serde_json::json!("<e>")));
        assert_eq!(task.acceptance_criteria, Some(serde_json::json!(["<f>"])));
    }

    #[test]
    fn too_many_values_or_a_text_too_long_is_refused_naming_the_field() {
        let zeros = contract(serde_json::json!({
            "goal": "g", "user_id": "u", "priority": "low",
            "context": vec![0; MAX_CONTRACT_VALUES + 1],
        }));
        let error = check_size(&zeros).unwrap_err();
        assert!(error.message.contains("context["), "{}", error.message);
        let long = contract(serde_json::json!({
            "goal": "g", "user_id": "u", "priority": "low",
            "constraints": {"style": "x".repeat(MAX_TEXT_BYTES + 1)},
        }));
        let error = check_size(&long).unwrap_err();
        assert!(
            error.message.contains("`constraints.style`"),
            "{}",
            error.message
        );
    }
}
