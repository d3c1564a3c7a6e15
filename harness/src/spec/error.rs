//! The error of an input file (a scenario or the budget tables): the file, the line and the
//! field at fault, with the line quoted under the message.

/// A scenario file with an error: where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {message}{}", quote(*.line, .source_line.as_deref()))]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the error is about the file as a whole.
    pub line: usize,
    pub message: String,
    /// The text of that line, shown under the message.
    pub source_line: Option<String>,
}

fn quote(line: usize, text: Option<&str>) -> String {
    match text {
        Some(text) if !text.trim().is_empty() => format!("\n    {line} | {}", text.trim_end()),
        _ => String::new(),
    }
}

impl ScenarioError {
    /// An error at byte `offset` of `source`.
    pub fn at(file: &str, source: &str, offset: usize, message: String) -> ScenarioError {
        let offset = offset.min(source.len());
        let line = source[..offset].matches('\n').count() + 1;
        ScenarioError {
            file: file.to_owned(),
            line,
            message,
            source_line: source.lines().nth(line - 1).map(str::to_owned),
        }
    }

    /// An error about a whole file.
    pub fn file(file: &str, message: String) -> ScenarioError {
        ScenarioError {
            file: file.to_owned(),
            line: 0,
            message,
            source_line: None,
        }
    }
}
