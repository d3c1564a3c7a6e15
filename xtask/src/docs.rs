//! The `cargo xtask` command line against its documentation: `docs/cli.md`'s second reference
//! is clap's help of every task, and every `cargo xtask` line in the README and the docs
//! parses. (The harness checks `octoperf`'s the same way, in `harness/src/cli/tests.rs`.)

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use clap::{CommandFactory, Parser};

    use crate::Opts;

    const BEGIN: &str = "<!-- xtask reference: generated; `OCTOPERF_BLESS=1 cargo test -p xtask xtask_reference` writes it -->";
    const END: &str = "<!-- end of the xtask reference -->";

    fn root() -> PathBuf {
        crate::workspace_root().unwrap()
    }

    fn reference() -> String {
        let mut command = Opts::command().term_width(100);
        command.build();
        let names: Vec<String> = command
            .get_subcommands()
            .map(|sub| sub.get_name().to_owned())
            .collect();
        let mut out = String::new();
        for name in names {
            let sub = command.find_subcommand_mut(&name).expect("listed above");
            let help = sub.render_long_help().to_string();
            out.push_str(&format!(
                "\n### `cargo xtask {name}`\n\n```text\n{help}```\n"
            ));
        }
        out
    }

    /// Issue 28: `docs/cli.md`'s xtask reference is the tasks' own help.
    #[test]
    fn xtask_reference_matches_the_command_line() {
        let path = root().join("docs/cli.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
            panic!("docs/cli.md lacks the markers {BEGIN:?} and {END:?}");
        };
        let wanted = format!("\n{}\n", reference());
        if std::env::var_os("OCTOPERF_BLESS").is_some() {
            let written = format!("{}{BEGIN}{wanted}{}", &text[..begin], &text[end..]);
            std::fs::write(&path, written).unwrap();
            return;
        }
        assert!(
            text[begin + BEGIN.len()..end] == wanted,
            "docs/cli.md's xtask reference differs: run `OCTOPERF_BLESS=1 cargo test -p xtask xtask_reference`"
        );
    }

    /// A code block's `cargo xtask` lines, as words: continuations joined, comments and what
    /// follows a redirection dropped.
    fn xtask_lines(markdown: &str) -> Vec<Vec<String>> {
        let mut lines = Vec::new();
        let mut in_code = false;
        // A `text` block shows a terminal: its commands follow a `$ ` prompt.
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
            let mut text = std::mem::take(&mut pending);
            // A workflow's `${{ … }}` expression is one value.
            while let (Some(open), Some(close)) = (text.find("${{"), text.find("}}")) {
                if close < open {
                    break;
                }
                text.replace_range(open..close + 2, "EXPR");
            }
            let text = text.split(" #").next().unwrap_or_default();
            let words: Vec<String> = text
                .split_whitespace()
                .skip_while(|word| word.contains('=') && !word.starts_with('-'))
                .take_while(|word| !matches!(*word, ">" | "|" | "&&" | "&" | "||"))
                .map(|word| word.trim_matches('"').to_owned())
                .collect();
            if words.len() >= 2 && words[0] == "cargo" && words[1] == "xtask" {
                lines.push(words);
            }
        }
        lines
    }

    /// Issue 28: every `cargo xtask` line in the README and the docs parses: `--history`,
    /// `--no-history`, `--allow-non-loopback` and `--api-key` were documented for `loadtest`
    /// and refused by it.
    #[test]
    fn every_documented_xtask_command_parses() {
        let mut files = vec![root().join("README.md"), root().join("ARCHITECTURE.md")];
        files.push(root().join("ci/github-actions-perf.yml"));
        for entry in std::fs::read_dir(root().join("docs")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            }
        }
        let mut checked = 0;
        let mut refused = Vec::new();
        for file in files {
            let mut text = std::fs::read_to_string(&file).unwrap();
            if file.extension().is_some_and(|ext| ext == "yml") {
                // The workflow's `run:` scripts, read as one code block.
                text = format!("```\n{text}\n```\n");
            }
            for words in xtask_lines(&text) {
                checked += 1;
                let args = std::iter::once("xtask".to_owned()).chain(words[2..].iter().cloned());
                if let Err(error) = Opts::try_parse_from(args) {
                    let message = error.to_string();
                    let first = message.lines().next().unwrap_or_default();
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

    /// Issue 28: bad input to the gate exits 2 (it exited 4, the code of a failed build),
    /// before anything is built.
    #[test]
    fn the_gate_exits_2_on_bad_input() {
        let root = root();
        let parse = |args: &[&str]| match Opts::try_parse_from(args).unwrap().command {
            crate::Task::Gate(opts) => opts,
            _ => unreachable!(),
        };
        let one_trial = parse(&["xtask", "gate", "--baseline", "HEAD", "--trials", "1"]);
        assert_eq!(
            crate::gate::gate(&root, &one_trial).unwrap(),
            crate::BAD_INPUT
        );
        for bad in [
            &["--min-trials", "1"][..],
            &["--min-trials", "4", "--max-trials", "3"],
            &["--time-budget", "soon"],
            &["--time-budget", "1s"],
            &["--look-every", "0"],
        ] {
            let mut args = vec!["xtask", "gate", "--baseline", "HEAD"];
            args.extend_from_slice(bad);
            assert_eq!(
                crate::gate::gate(&root, &parse(&args)).unwrap(),
                crate::BAD_INPUT,
                "{bad:?}"
            );
        }
        let no_gates = parse(&["xtask", "gate", "--calibrate", "0"]);
        assert_eq!(
            crate::gate::gate(&root, &no_gates).unwrap(),
            crate::BAD_INPUT
        );
        // A fixed design and sequential bounds together, or a baseline and a calibration:
        // refused by the parser.
        for both in [
            &["--baseline", "HEAD", "--trials", "5", "--max-trials", "9"][..],
            &["--baseline", "HEAD", "--calibrate", "3"],
            &[],
        ] {
            let mut args = vec!["xtask", "gate"];
            args.extend_from_slice(both);
            assert!(Opts::try_parse_from(&args).is_err(), "{both:?}");
        }
        let no_revision = parse(&["xtask", "gate", "--baseline", "no-such-revision-28"]);
        assert_eq!(
            crate::gate::gate(&root, &no_revision).unwrap(),
            crate::BAD_INPUT
        );
        let no_file = parse(&[
            "xtask",
            "gate",
            "--baseline",
            "HEAD",
            "--gate",
            "/nonexistent.toml",
        ]);
        assert_eq!(
            crate::gate::gate(&root, &no_file).unwrap(),
            crate::BAD_INPUT
        );
    }
}
