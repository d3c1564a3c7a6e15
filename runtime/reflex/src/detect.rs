//! PII and prompt-injection detection: every pattern compiled once into one `RegexSet`, so a
//! clean text costs one pass; only the patterns that matched are run again to locate matches.

use regex::bytes::{Regex, RegexSet, RegexSetBuilder};
use serde::Serialize;

/// One PII finding, with byte offsets into the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PiiMatch {
    pub pii_type: &'static str,
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
}

/// One prompt-injection finding, with byte offsets into the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InjectionMatch {
    pub injection_type: &'static str,
    pub start: usize,
    pub end: usize,
    pub severity: Severity,
    pub confidence: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    pub pii: Vec<PiiMatch>,
    pub injection: Vec<InjectionMatch>,
    /// Some pattern matched more than [`MAX_MATCHES_PER_PATTERN`] times and its further
    /// matches were left out. Every pattern that matched has at least one match listed, so
    /// the verdict (blocked or not) is the same as with every match.
    pub truncated: bool,
}

/// The most matches one pattern adds to a scan's findings: 100,000 characters of `"DAN "`
/// would otherwise give 25,000 matches and a 2.6 MB answer (and as much in the cache).
pub const MAX_MATCHES_PER_PATTERN: usize = 16;

impl Findings {
    /// A request is blocked when any injection finding is critical.
    pub fn is_blocked(&self) -> bool {
        self.injection
            .iter()
            .any(|found| found.severity == Severity::Critical)
    }
}

/// The compiled pattern set. Build once at start; scanning borrows it immutably.
pub struct Detector {
    set: RegexSet,
    patterns: Vec<Pattern>,
}

struct Pattern {
    kind: Kind,
    regex: Regex,
    confidence: f32,
    validate: Option<fn(&[u8]) -> bool>,
}

enum Kind {
    Pii(&'static str),
    Injection(&'static str, Severity),
}

impl Detector {
    pub fn new() -> Detector {
        let specs = pattern_specs();
        let sources: Vec<&str> = specs.iter().map(|spec| spec.source).collect();
        // Unicode is off: every class is ASCII, which keeps the lazy DFA from giving up on
        // non-ASCII input (Unicode word boundaries would force the slow engine).
        let set = RegexSetBuilder::new(&sources)
            .unicode(false)
            .size_limit(64 << 20)
            .dfa_size_limit(32 << 20)
            .build()
            .expect("built-in patterns compile");
        let patterns = specs
            .into_iter()
            .map(|spec| Pattern {
                regex: regex::bytes::RegexBuilder::new(spec.source)
                    .unicode(false)
                    .build()
                    .expect("built-in pattern compiles"),
                kind: spec.kind,
                confidence: spec.confidence,
                validate: spec.validate,
            })
            .collect();
        Detector { set, patterns }
    }

    /// Scans `text` once for every enabled category and locates the matches.
    pub fn scan(&self, text: &str, check_pii: bool, check_injection: bool) -> Findings {
        #[cfg(feature = "test-knobs")]
        knobs::extra_passes(&self.set, text.as_bytes());
        self.scan_once(text, check_pii, check_injection)
    }

    fn scan_once(&self, text: &str, check_pii: bool, check_injection: bool) -> Findings {
        let mut findings = Findings::default();
        if !check_pii && !check_injection {
            return findings;
        }
        let bytes = text.as_bytes();
        for idx in self.set.matches(bytes).iter() {
            let pattern = &self.patterns[idx];
            match pattern.kind {
                Kind::Pii(pii_type) if check_pii => {
                    let mut added = 0;
                    for found in pattern.regex.find_iter(bytes) {
                        if pattern
                            .validate
                            .is_some_and(|valid| !valid(found.as_bytes()))
                        {
                            continue;
                        }
                        if added == MAX_MATCHES_PER_PATTERN {
                            findings.truncated = true;
                            break;
                        }
                        added += 1;
                        findings.pii.push(PiiMatch {
                            pii_type,
                            start: found.start(),
                            end: found.end(),
                            confidence: pattern.confidence,
                        });
                    }
                }
                Kind::Injection(injection_type, severity) if check_injection => {
                    let before = findings.injection.len();
                    let mut found = pattern.regex.find_iter(bytes);
                    findings
                        .injection
                        .extend(found.by_ref().take(MAX_MATCHES_PER_PATTERN).map(|found| {
                            InjectionMatch {
                                injection_type,
                                start: found.start(),
                                end: found.end(),
                                severity,
                                confidence: pattern.confidence,
                            }
                        }));
                    // A further match is looked for only when the cap was reached: after
                    // fewer, the iterator already ran out, and asking again would scan the
                    // rest of the text a second time (+13% instructions on a 1 KB injection).
                    if findings.injection.len() - before == MAX_MATCHES_PER_PATTERN
                        && found.next().is_some()
                    {
                        findings.truncated = true;
                    }
                }
                _ => {}
            }
        }
        findings.pii.sort_by_key(|found| (found.start, found.end));
        findings
            .injection
            .sort_by_key(|found| (found.start, found.end));
        findings
    }

    /// The source of every pattern, in the set's order: the benchmark of the spec's practices
    /// times one pass of the set against one regex per pattern.
    pub fn pattern_sources() -> Vec<&'static str> {
        pattern_specs().iter().map(|spec| spec.source).collect()
    }

    /// The PII types and injection families this detector knows, for `/ready` and docs.
    pub fn families(&self) -> (Vec<&'static str>, Vec<&'static str>) {
        let mut pii = Vec::new();
        let mut injection = Vec::new();
        for pattern in &self.patterns {
            match pattern.kind {
                Kind::Pii(name) if !pii.contains(&name) => pii.push(name),
                Kind::Injection(name, _) if !injection.contains(&name) => injection.push(name),
                _ => {}
            }
        }
        (pii, injection)
    }
}

impl Default for Detector {
    fn default() -> Detector {
        Detector::new()
    }
}

struct Spec {
    kind: Kind,
    source: &'static str,
    confidence: f32,
    validate: Option<fn(&[u8]) -> bool>,
}

fn pii(pii_type: &'static str, source: &'static str, confidence: f32) -> Spec {
    Spec {
        kind: Kind::Pii(pii_type),
        source,
        confidence,
        validate: None,
    }
}

fn injection(family: &'static str, severity: Severity, source: &'static str) -> Spec {
    Spec {
        kind: Kind::Injection(family, severity),
        source,
        confidence: 0.9,
        validate: None,
    }
}

fn pattern_specs() -> Vec<Spec> {
    use Severity::*;
    vec![
        pii(
            "email",
            r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b",
            0.95,
        ),
        pii(
            "phone",
            r"(?:\+?1[-. ]?)?(?:\([2-9][0-9]{2}\)|\b[2-9][0-9]{2})[-. ]?[0-9]{3}[-. ][0-9]{4}\b",
            0.75,
        ),
        Spec {
            validate: Some(valid_ssn),
            ..pii("ssn", r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b", 0.9)
        },
        Spec {
            validate: Some(luhn_valid),
            ..pii("credit_card", r"\b[0-9](?:[ -]?[0-9]){12,18}\b", 0.95)
        },
        pii(
            "ipv4",
            r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b",
            0.8,
        ),
        pii(
            "ipv6",
            r"(?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}\b",
            0.8,
        ),
        Spec {
            validate: Some(valid_iban),
            ..pii(
                "iban",
                r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b",
                0.9,
            )
        },
        pii("aws_access_key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0.95),
        pii("github_token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 0.95),
        pii(
            "stripe_key",
            r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,99}\b",
            0.95,
        ),
        pii(
            "jwt",
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
            0.9,
        ),
        pii(
            "bearer_token",
            r"(?i)\bbearer +[A-Za-z0-9._~+/-]{20,}=*",
            0.85,
        ),
        pii(
            "private_key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
            0.99,
        ),
        injection(
            "instruction_override",
            Critical,
            r"(?i)\b(?:ignore|disregard|forget|override|skip)\s+(?:all\s+|any\s+|the\s+)?(?:of\s+)?(?:your\s+|the\s+)?(?:previous|prior|above|earlier|preceding|original|your)\s+(?:instructions?|prompts?|rules?|directions?|context|guidelines)",
        ),
        injection(
            "role_reassignment",
            High,
            r"(?i)\byou\s+are\s+(?:now|no\s+longer)\b|\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must)\b|\bpretend\s+(?:to\s+be|you\s+are)\b|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|evil|uncensored)",
        ),
        injection(
            "system_prompt_extraction",
            Critical,
            r"(?i)\b(?:reveal|show|print|repeat|output|tell|display|leak|dump)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|instructions\s+above|original\s+instructions)",
        ),
        injection(
            "jailbreak_persona",
            Critical,
            r"\bDAN\b|(?i:\bdo\s+anything\s+now\b|\bdeveloper\s+mode\s+(?:enabled|on|activated)|\bjailbr(?:eak|oken)|\bgod\s+mode\b)",
        ),
        injection(
            "delimiter_injection",
            High,
            r"(?i)<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>|\[/?INST\]|<</?SYS>>|###\s*(?:system|instruction)s?\s*:|</?system>",
        ),
        injection(
            "fake_system_message",
            Critical,
            r"(?im)^\s*(?:system|admin)\s*:\s*(?:new\s+)?(?:instructions?|override|you\s+(?:must|will|are))|\[(?:system|admin)\s+(?:message|override|notice)\]",
        ),
        injection(
            "encoded_payload",
            Medium,
            r"(?i)\b(?:base64|rot13|hex)[\s-]*(?:decode|decoded|encoded|decoding)\b|[A-Za-z0-9+/]{80,}={0,2}",
        ),
        injection(
            "tool_command_injection",
            Critical,
            r"(?i)(?:;|&&|\|\|)\s*(?:rm\s+-rf|curl\s|wget\s|nc\s+-|bash\s+-c|sh\s+-c|chmod\s+\+x)|\$\((?:curl|wget|rm|cat)\b|\brm\s+-rf\s+/",
        ),
        injection(
            "data_exfiltration",
            High,
            r"(?i)\b(?:send|post|upload|exfiltrate|forward|email|transmit|leak)\s+(?:all\s+|the\s+|your\s+|any\s+|my\s+)*(?:data|conversation|chat\s+history|credentials|passwords?|api\s+keys?|secrets?|tokens?|files?)\s+to\b",
        ),
        injection(
            "privilege_escalation",
            High,
            r"(?i)\b(?:enable|grant|give\s+me|switch\s+to|escalate\s+to)\s+(?:admin|root|sudo|superuser|elevated)\s+(?:access|mode|privileges?|rights|permissions)\b",
        ),
        injection(
            "safety_bypass",
            Critical,
            r"(?i)\b(?:bypass|disable|turn\s+off|ignore|circumvent)\s+(?:your\s+|all\s+|the\s+|any\s+)*(?:safety|content|security|moderation)\s+(?:filters?|guidelines|restrictions|policies|checks|measures)",
        ),
    ]
}

/// The Luhn checksum over the digits of a candidate card number.
pub fn luhn_valid(candidate: &[u8]) -> bool {
    let digits: Vec<u32> = candidate
        .iter()
        .filter(|byte| byte.is_ascii_digit())
        .map(|byte| u32::from(byte - b'0'))
        .collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(idx, &digit)| {
            if !idx.is_multiple_of(2) {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// US SSNs never start with 000, 666 or 9xx, and have no all-zero group.
fn valid_ssn(candidate: &[u8]) -> bool {
    let area = &candidate[0..3];
    area != b"000"
        && area != b"666"
        && area[0] != b'9'
        && &candidate[4..6] != b"00"
        && &candidate[7..11] != b"0000"
}

/// The ISO 13616 mod-97 check of an IBAN candidate.
fn valid_iban(candidate: &[u8]) -> bool {
    let compact: Vec<u8> = candidate.iter().copied().filter(|b| *b != b' ').collect();
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    let rearranged = compact[4..].iter().chain(&compact[..4]);
    let mut remainder: u32 = 0;
    for &byte in rearranged {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'A'..=b'Z' => u32::from(byte - b'A') + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// A test-only slowdown of the scan (feature `test-knobs`): the regression gates are checked
/// against a build that does a known amount of extra work. The extra work is more of the
/// scan's own one-pass search, so it costs instructions as well as time: both the load gate
/// and the instruction-count gate see it.
#[cfg(feature = "test-knobs")]
pub mod knobs {
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The environment variable `main` reads: the extra work as a fraction of one pass of the
    /// pattern set over the text (0.2: a fifth more; 3: three more passes).
    pub const SCAN_SLOWDOWN_ENV: &str = "OCTOPERF_TEST_SCAN_SLOWDOWN";

    /// The slowdown in parts per million of one pass.
    static SLOWDOWN_PPM: AtomicU64 = AtomicU64::new(0);

    pub fn set_scan_slowdown(fraction: f64) {
        SLOWDOWN_PPM.store((fraction.max(0.0) * 1e6) as u64, Ordering::Relaxed);
    }

    /// Runs the pattern set over `bytes` `fraction` times more: whole passes, then a pass over
    /// the matching share of the text.
    pub(super) fn extra_passes(set: &regex::bytes::RegexSet, bytes: &[u8]) {
        let ppm = SLOWDOWN_PPM.load(Ordering::Relaxed);
        for _ in 0..ppm / 1_000_000 {
            std::hint::black_box(set.matches(std::hint::black_box(bytes)));
        }
        let part = (bytes.len() as u128 * u128::from(ppm % 1_000_000) / 1_000_000) as usize;
        if part > 0 {
            std::hint::black_box(set.matches(std::hint::black_box(&bytes[..part])));
        }
    }
}
