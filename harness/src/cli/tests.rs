//! The command line against its documentation: `docs/cli.md`'s reference is clap's own help of
//! every command, and every `octoperf` command line written in the README and the docs parses.

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};

use super::args::Opts;

/// Where the generated reference begins and ends in `docs/cli.md`.
const BEGIN: &str = "<!-- octoperf reference: generated; `OCTOPERF_BLESS=1 cargo test -p harness cli_reference` writes it -->";
const END: &str = "<!-- end of the octoperf reference -->";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The help of `octoperf` and of each of its commands, as Markdown.
fn reference() -> String {
    let mut command = Opts::command().term_width(100);
    command.build();
    let mut out = format!(
        "### `octoperf`\n\n```text\n{}```\n",
        command.render_long_help()
    );
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let sub = command.find_subcommand_mut(&name).expect("listed above");
        let help = sub.render_long_help().to_string();
        out.push_str(&format!("\n### `octoperf {name}`\n\n```text\n{help}```\n"));
    }
    out
}

/// Issue 28: the reference in `docs/cli.md` is the CLI's own help; a flag added, removed or
/// reworded without it fails here (`OCTOPERF_BLESS=1` writes it).
#[test]
fn cli_reference_matches_the_command_line() {
    let path = root().join("docs/cli.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/cli.md lacks the markers {BEGIN:?} and {END:?}");
    };
    let current = &text[begin + BEGIN.len()..end];
    let wanted = format!("\n\n{}\n", reference());
    if std::env::var_os("OCTOPERF_BLESS").is_some() {
        let written = format!("{}{BEGIN}{wanted}{}", &text[..begin], &text[end..]);
        std::fs::write(&path, written).unwrap();
        return;
    }
    assert!(
        current == wanted,
        "docs/cli.md's reference differs from the command line: run `OCTOPERF_BLESS=1 cargo test -p harness cli_reference`"
    );
}

/// The command lines in a Markdown file's code blocks that run `program`, each as its words
/// (continuations joined, comments and a trailing `&` dropped, quotes kept together).
pub fn command_lines(markdown: &str, programs: &[&str]) -> Vec<Vec<String>> {
    let mut lines = Vec::new();
    let mut in_code = false;
    // A `text` block shows a terminal: its commands are the lines after a `$ ` prompt, the
    // rest is output.
    let mut output_block = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            in_code = !in_code;
            output_block = in_code && info.trim() == "text";
            continue;
        }
        if !in_code {
            continue;
        }
        let line = match (output_block, line.strip_prefix("$ ")) {
            (false, _) => line,
            (true, Some(command)) => command,
            (true, None) if !pending.is_empty() => line,
            (true, None) => continue,
        };
        pending.push_str(line.trim_end());
        if pending.ends_with('\\') {
            pending.pop();
            pending.push(' ');
            continue;
        }
        let words = shell_words(&std::mem::take(&mut pending));
        // Environment assignments before the program are the shell's, not the program's.
        let start = words
            .iter()
            .position(|word| !word.contains('=') || word.starts_with('-'))
            .unwrap_or(words.len());
        let words = &words[start..];
        for program in programs {
            let program_words: Vec<&str> = program.split(' ').collect();
            if words.len() >= program_words.len()
                && words.iter().zip(&program_words).all(|(a, b)| a == b)
            {
                lines.push(words.to_vec());
            }
        }
    }
    lines
}

/// Words as a shell splits them, roughly: quotes keep spaces, `#` outside them begins a
/// comment, a redirection, a pipe or a lone `&` ends the program's words.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, '#') if !started => break,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    // A redirection or a pipe ends the program's words.
    if let Some(end) = words.iter().position(|w| {
        matches!(
            w.as_str(),
            ">" | ">>" | "|" | "2>" | "&>" | "&" | "&&" | "||"
        )
    }) {
        words.truncate(end);
    }
    words
}

/// Issue 28: every `octoperf` command line in the README and the docs parses (documented
/// flags that the CLI rejected were the first three of the docs' disagreements with the code).
#[test]
fn every_documented_octoperf_command_parses() {
    let mut files = vec![root().join("README.md"), root().join("ARCHITECTURE.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    let mut checked = 0;
    let mut refused = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for words in command_lines(&text, &["octoperf", "target/release/octoperf"]) {
            checked += 1;
            let args = std::iter::once("octoperf".to_owned()).chain(words[1..].iter().cloned());
            if let Err(error) = Opts::try_parse_from(args) {
                let first = error.to_string();
                let first = first.lines().next().unwrap_or_default().to_owned();
                refused.push(format!(
                    "{}: `{}`: {first}",
                    file.display(),
                    words.join(" ")
                ));
            }
        }
    }
    assert!(refused.is_empty(), "{}", refused.join("\n"));
    assert!(checked >= 10, "only {checked} command lines found");
}

#[test]
fn shell_words_keep_quotes_and_drop_comments() {
    assert_eq!(
        shell_words(r#"octoperf bench --body '{"text":"hi there"}' > out &   # a comment"#),
        ["octoperf", "bench", "--body", r#"{"text":"hi there"}"#]
    );
    let lines = command_lines(
        "text\n```sh\nX=1 octoperf run \\\n  --quick\ncargo test\n```\noctoperf outside\n```text\n$ octoperf check\noctoperf 2026: PASS\n```\n",
        &["octoperf"],
    );
    assert_eq!(
        lines,
        [
            vec!["octoperf", "run", "--quick"],
            vec!["octoperf", "check"]
        ]
    );
}
