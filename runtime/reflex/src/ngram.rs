//! A small linear model over hashed word n-grams: one more signal in the injection score, for
//! the paraphrases no pattern names ("scratch everything before this message", "the guidance
//! at the start has been withdrawn").
//!
//! Its weights (`runtime/reflex/model/ngram.tsv`) were trained by
//! `runtime/reflex/model/train.py` on the development split of the corpus; the file's header
//! says how. They are compiled into the binary and parsed once, when the detector is built.
//!
//! **Features.** The text's ASCII letters and digits, lowercased, split into words (the
//! detector hands the model the folded text, so "précédentes" is read as "precedentes");
//! words longer than [`MAX_WORD`] (hashes, payloads) are skipped. Every word (`u:word`),
//! every pair of neighbouring words (`b:first second`) and the first [`PREFIX`] letters of
//! every longer word (`p:ignor`) are features, counted as often as they occur. The prefix is
//! the language-independent part: "ignore", "ignorar", "ignorieren" and "ignoriere" share
//! `p:ignor`, "instructions", "instrucciones" and "instructies" `p:instr`, so what the model
//! learns from one language's texts and inflections reaches the others'. A feature is keyed
//! by a hash of its words (FNV-1a, mixed), so a scan allocates nothing: it hashes each word
//! once (the prefix's hash is the word's hash part-way) and looks up at most three keys.
//!
//! **Scores.** Column 0 is the injection logit; columns 1..=8 rank the eight families (in the
//! order of [`crate::injection::FAMILIES`]) for a text the model alone flags. A long text is
//! read in windows of two [`CHUNK`]-word chunks, and its logit is its best window's, so a
//! short injection inside a long document is not diluted by it.

use anyhow::{Context as _, bail};

use crate::injection::FAMILIES;

/// Words longer than this are not features.
pub const MAX_WORD: usize = 20;

/// The letters of a word's prefix feature; a word longer than this has one.
pub const PREFIX: usize = 5;

/// Words per chunk; a window is two neighbouring chunks.
pub const CHUNK: usize = 32;

/// The injection logit and one score per family.
pub const COLUMNS: usize = 1 + FAMILIES.len();

/// The weights shipped with the crate.
pub const EMBEDDED: &str = include_str!("../model/ngram.tsv");

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A word's hash (FNV-1a over its lowercased bytes).
fn word_hash(word: &[u8]) -> u64 {
    word.iter().fold(FNV_OFFSET, |state, &byte| {
        (state ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(FNV_PRIME)
    })
}

/// The key of a word feature and of a pair feature, from the words' hashes: mixed so that the
/// table can index by the key's top bits.
fn unigram_key(word: u64) -> u64 {
    mix(word ^ 0x7575_7575_7575_7575)
}

fn prefix_key(prefix: u64) -> u64 {
    mix(prefix ^ 0x7070_7070_7070_7070)
}

fn bigram_key(first: u64, second: u64) -> u64 {
    mix(first.rotate_left(23) ^ second ^ 0x6262_6262_6262_6262)
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 32;
    x = x.wrapping_mul(0xd6e8_feb8_6659_fd93);
    x ^= x >> 32;
    x
}

/// The model: its bias per column, the weights of the features it knows in an open-addressed
/// table (the injection weight beside the key, the family weights apart, by slot: they are
/// read only for a text the model alone flags), and how its logit enters the combined score:
/// times `alpha`, and never below `floor`.
pub struct NgramModel {
    bias: [f32; COLUMNS],
    alpha: f32,
    floor: f32,
    /// `(key's low 32 bits, injection weight)`, 8 bytes a slot so that the table stays in
    /// cache; the slot itself is chosen by the key's top bits. A key whose low bits are 0 is
    /// stored as 1 (0 marks an empty slot).
    slots: Vec<(u32, f32)>,
    shift: u32,
    /// The family weights of the feature in each slot.
    families: Vec<[f32; COLUMNS - 1]>,
    features: usize,
}

/// A key's fingerprint in its slot: its low 32 bits, never 0.
fn fingerprint(key: u64) -> u32 {
    (key as u32).max(1)
}

/// What the model says about one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NgramScore {
    /// The injection logit of the text's best window, times `alpha` and at least `floor`: what
    /// it adds to the score.
    pub contribution: f32,
    /// The byte range of that window: [`NgramModel::family`] reads it.
    pub window: (usize, usize),
}

impl NgramModel {
    /// The model compiled into the crate.
    pub fn embedded() -> NgramModel {
        NgramModel::parse(EMBEDDED).expect("the shipped ngram.tsv parses")
    }

    /// Reads a weights file: `#` comments, `alpha`, `floor` and `bias` lines, then one line per
    /// feature, `u:word`, `b:first second` or `p:prefix`, with its [`COLUMNS`] weights,
    /// tab-separated.
    /// An error names the line at fault.
    pub fn parse(text: &str) -> anyhow::Result<NgramModel> {
        let mut bias = None;
        let mut alpha = None;
        let mut floor = None;
        let mut rows: Vec<(u64, [f32; COLUMNS], usize)> = Vec::new();
        for (idx, line) in text.lines().enumerate() {
            let at = || format!("ngram weights line {}", idx + 1);
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut fields = line.split('\t');
            let name = fields.next().unwrap_or_default();
            let values = fields
                .map(str::parse::<f32>)
                .collect::<Result<Vec<f32>, _>>()
                .with_context(at)?;
            match name {
                "alpha" | "floor" => {
                    let [value] = values[..] else {
                        bail!("{}: {name} takes one value", at());
                    };
                    *(if name == "alpha" {
                        &mut alpha
                    } else {
                        &mut floor
                    }) = Some(value);
                }
                _ => {
                    let row: [f32; COLUMNS] = values.try_into().map_err(|values: Vec<f32>| {
                        anyhow::anyhow!(
                            "{}: {} weights where {COLUMNS} are needed",
                            at(),
                            values.len()
                        )
                    })?;
                    if name == "bias" {
                        bias = Some(row);
                    } else if let Some(key) = feature_key(name) {
                        rows.push((key, row, idx + 1));
                    } else {
                        bail!(
                            "{}: {name:?} is not u:WORD, b:FIRST SECOND or p:PREFIX",
                            at()
                        );
                    }
                }
            }
        }
        // At most half full: a probe ends within a slot or two.
        let bits = (rows.len().max(1) * 2)
            .next_power_of_two()
            .trailing_zeros()
            .max(4);
        let shift = 64 - bits;
        let mut slots = vec![(0u32, 0.0f32); 1 << bits];
        let mut families = vec![[0.0f32; COLUMNS - 1]; 1 << bits];
        let features = rows.len();
        for (key, row, line) in rows {
            let mut slot = (key >> shift) as usize;
            while slots[slot].0 != 0 {
                if slots[slot].0 == fingerprint(key) {
                    bail!("ngram weights line {line}: a feature listed twice, or two that collide");
                }
                slot = (slot + 1) & (slots.len() - 1);
            }
            slots[slot] = (fingerprint(key), row[0]);
            families[slot] = std::array::from_fn(|idx| row[idx + 1]);
        }
        Ok(NgramModel {
            bias: bias.context("ngram weights: no bias line")?,
            alpha: alpha.context("ngram weights: no alpha line")?,
            floor: floor.context("ngram weights: no floor line")?,
            slots,
            shift,
            families,
            features,
        })
    }

    /// How many features the model knows.
    pub fn len(&self) -> usize {
        self.features
    }

    pub fn is_empty(&self) -> bool {
        self.features == 0
    }

    /// The injection weight and the slot of the feature `key`, if the model knows it.
    #[inline]
    fn lookup(&self, key: u64) -> Option<(f32, u32)> {
        let mask = self.slots.len() - 1;
        let wanted = fingerprint(key);
        let mut slot = (key >> self.shift) as usize;
        loop {
            let (seen, weight) = self.slots[slot];
            if seen == wanted {
                return Some((weight, slot as u32));
            }
            if seen == 0 {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The sum of the injection weights (or, with `families`, of the family weights) of every
    /// feature in `text`, by chunks of [`CHUNK`] words: `chunk_done` is called with each full
    /// chunk's sum and the byte offset where it ends.
    #[inline]
    fn walk(
        &self,
        text: &[u8],
        mut families: Option<&mut [f32; COLUMNS - 1]>,
        mut chunk_done: impl FnMut(f32, usize),
    ) -> f32 {
        let mut walk = Walk {
            previous: 0,
            sum: 0.0,
            words: 0,
        };
        let (mut hash, mut len, mut prefix) = (FNV_OFFSET, 0usize, 0u64);
        for (idx, &byte) in text.iter().enumerate() {
            let folded = FOLD[usize::from(byte)];
            if folded != 0 {
                hash = (hash ^ u64::from(folded)).wrapping_mul(FNV_PRIME);
                len += 1;
                if len == PREFIX {
                    prefix = hash;
                }
            } else if len > 0 {
                let word = Word {
                    hash,
                    prefix,
                    start: idx - len,
                    len,
                };
                self.word(&mut walk, word, &mut families, &mut chunk_done);
                hash = FNV_OFFSET;
                len = 0;
            }
        }
        if len > 0 {
            let start = text.len() - len;
            let word = Word {
                hash,
                prefix,
                start,
                len,
            };
            self.word(&mut walk, word, &mut families, &mut chunk_done);
        }
        walk.sum
    }

    /// Adds one word's features to the walk.
    #[inline(always)]
    fn word(
        &self,
        walk: &mut Walk,
        Word {
            hash: word,
            prefix,
            start,
            len,
        }: Word,
        families: &mut Option<&mut [f32; COLUMNS - 1]>,
        chunk_done: &mut impl FnMut(f32, usize),
    ) {
        if len > MAX_WORD {
            return;
        }
        if walk.words == CHUNK {
            chunk_done(walk.sum, start);
            walk.sum = 0.0;
            walk.words = 0;
        }
        walk.words += 1;
        let mut add = |(weight, row): (f32, u32)| {
            walk.sum += weight;
            if let Some(sums) = families.as_deref_mut() {
                for (sum, weight) in sums.iter_mut().zip(&self.families[row as usize]) {
                    *sum += weight;
                }
            }
        };
        // A pair is looked up only when its first word is a feature (the weights file keeps
        // every word that starts a pair it lists).
        let first = walk.previous;
        let known = self.lookup(unigram_key(word));
        if let Some(found) = known {
            add(found);
        }
        if first != 0
            && let Some(found) = self.lookup(bigram_key(first, word))
        {
            add(found);
        }
        if len > PREFIX
            && let Some(found) = self.lookup(prefix_key(prefix))
        {
            add(found);
        }
        walk.previous = if known.is_some() { word } else { 0 };
    }

    /// Scores `text`: the best window's injection logit, scaled, and where that window is.
    pub fn score(&self, text: &[u8]) -> NgramScore {
        // Chunks of CHUNK words; a window is a chunk and the one before it.
        let mut previous: Option<(f32, usize)> = None;
        let mut chunk_start = 0;
        let mut best = (f32::NEG_INFINITY, 0, 0);
        let mut window = |sum: f32, end: usize, previous: Option<(f32, usize)>, start: usize| {
            let (total, from) = match previous {
                Some((before, from)) => (before + sum, from),
                None => (sum, start),
            };
            if total > best.0 {
                best = (total, from, end);
            }
        };
        let last = self.walk(text, None, |sum, end| {
            window(sum, end, previous, chunk_start);
            previous = Some((sum, chunk_start));
            chunk_start = end;
        });
        window(last, text.len(), previous, chunk_start);
        let (sum, from, to) = best;
        NgramScore {
            contribution: (self.alpha * (sum + self.bias[0])).max(self.floor),
            window: (from, to),
        }
    }

    /// The family the model ranks first in the window `score` came from, for a text the
    /// model alone flags (read apart: most texts never need it).
    pub fn family(&self, text: &[u8], score: &NgramScore) -> &'static str {
        let (from, to) = score.window;
        let mut sums: [f32; COLUMNS - 1] = std::array::from_fn(|idx| self.bias[idx + 1]);
        self.walk(&text[from..to], Some(&mut sums), |_, _| {});
        (0..sums.len())
            .max_by(|a, b| sums[*a].total_cmp(&sums[*b]))
            .map_or(FAMILIES[0], |idx| FAMILIES[idx])
    }
}

/// One word of a walk: its hash, the hash of its first [`PREFIX`] letters (meaningful when it
/// is longer), and where it is.
#[derive(Clone, Copy)]
struct Word {
    hash: u64,
    prefix: u64,
    start: usize,
    len: usize,
}

/// A walk's state: the previous word's hash when it is a feature (else 0), and the current
/// chunk's sum and words.
struct Walk {
    previous: u64,
    sum: f32,
    words: usize,
}

/// Each byte as the model reads it: ASCII letters lowercased, digits as they are, anything else
/// 0 (a word's end).
static FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = if b.is_ascii_alphanumeric() {
            b.to_ascii_lowercase()
        } else {
            0
        };
        byte += 1;
    }
    table
};

/// The key of a feature as the weights file names it, the same as [`NgramModel::score`]
/// computes from the text.
fn feature_key(name: &str) -> Option<u64> {
    if let Some(word) = name.strip_prefix("u:") {
        return valid_word(word).then(|| unigram_key(word_hash(word.as_bytes())));
    }
    if let Some(prefix) = name.strip_prefix("p:") {
        return (valid_word(prefix) && prefix.len() == PREFIX)
            .then(|| prefix_key(word_hash(prefix.as_bytes())));
    }
    let (first, second) = name.strip_prefix("b:")?.split_once(' ')?;
    (valid_word(first) && valid_word(second))
        .then(|| bigram_key(word_hash(first.as_bytes()), word_hash(second.as_bytes())))
}

fn valid_word(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= MAX_WORD
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(rows: &str) -> NgramModel {
        let zeros = ["0"; COLUMNS].join("\t");
        NgramModel::parse(&format!(
            "# test\nalpha\t1\nfloor\t-9\nbias\t{zeros}\n{rows}"
        ))
        .unwrap()
    }

    /// A feature's weights: `first` for the injection, 1 for the column `family` (0: none).
    fn row(first: f32, family: usize) -> String {
        let mut values = [0.0f32; COLUMNS];
        values[family] = 1.0;
        values[0] = first;
        values
            .iter()
            .map(f32::to_string)
            .collect::<Vec<_>>()
            .join("\t")
    }

    #[test]
    fn words_and_pairs_are_read_case_blind_and_counted() {
        let m = model(&format!(
            "u:scratch\t{}\nb:scratch everything\t{}\n",
            row(1.0, 1),
            row(2.0, 1)
        ));
        assert_eq!(m.len(), 2);
        let once = m.score(b"Scratch EVERYTHING before this.");
        assert_eq!(once.contribution, 3.0);
        assert_eq!(
            m.family(b"Scratch EVERYTHING before this.", &once),
            FAMILIES[0]
        );
        // Punctuation splits words; the pair needs its two words side by side.
        assert_eq!(m.score(b"scratch, then everything").contribution, 1.0);
        assert_eq!(m.score(b"scratch everything; scratch").contribution, 4.0);
        assert_eq!(m.score(b"nothing here").contribution, 0.0);
    }

    #[test]
    fn a_prefix_feature_reads_every_longer_word_that_starts_with_it() {
        let m = model(&format!("p:ignor\t{}\n", row(1.5, 1)));
        // Inflections and languages share the prefix; the prefix itself, as a word, is not
        // longer than it and has no prefix feature; another word's middle is no prefix.
        for text in ["Ignorar", "ignoriere", "IGNORE", "ignorieren Sie"] {
            assert_eq!(m.score(text.as_bytes()).contribution, 1.5, "{text}");
        }
        assert_eq!(m.score(b"ignor").contribution, 0.0);
        assert_eq!(m.score(b"reignore").contribution, 0.0);
        assert_eq!(m.score(b"ignore, ignorar").contribution, 3.0);
        assert!(
            NgramModel::parse(&format!(
                "alpha\t1\nfloor\t0\nbias\t{z}\np:ign\t{z}\n",
                z = ["0"; COLUMNS].join("\t")
            ))
            .is_err()
        );
    }

    #[test]
    fn a_long_text_is_scored_by_its_best_window() {
        let m = model(&format!(
            "u:withdrawn\t{}\nu:filler\t{}\n",
            row(3.0, 2),
            row(-0.01, 0)
        ));
        let alone = m.score(b"the rules were withdrawn").contribution;
        let mut long = "filler ".repeat(500);
        long.push_str("the rules were withdrawn ");
        long.push_str(&"filler ".repeat(500));
        let buried = m.score(long.as_bytes());
        // A thousand fillers would sink a whole-text sum to -7; a window holds at most 64.
        assert_eq!(alone, 3.0);
        assert!(buried.contribution > 2.3, "{buried:?}");
        assert_eq!(m.family(long.as_bytes(), &buried), FAMILIES[1]);
    }

    #[test]
    fn a_bad_weights_file_names_its_line() {
        let zeros = ["0"; COLUMNS].join("\t");
        let error = NgramModel::parse(&format!("alpha\t1\nfloor\t0\nbias\t{zeros}\nu:x\t1\t2\n"))
            .err()
            .unwrap();
        assert!(format!("{error:#}").contains("line 4"), "{error:#}");
        let error = NgramModel::parse(&format!(
            "alpha\t1\nfloor\t0\nbias\t{zeros}\nu:Bad\t{zeros}\n"
        ))
        .err()
        .unwrap();
        assert!(format!("{error:#}").contains("line 4"), "{error:#}");
        let error = NgramModel::parse(&format!(
            "alpha\t1\nfloor\t0\nbias\t{zeros}\nu:x\t{zeros}\nu:x\t{zeros}\n"
        ))
        .err()
        .unwrap();
        assert!(format!("{error:#}").contains("line 5"), "{error:#}");
        assert!(NgramModel::parse("alpha\t1\n").is_err());
    }

    #[test]
    fn the_shipped_weights_load() {
        let m = NgramModel::embedded();
        assert!(m.len() > 500, "{}", m.len());
    }
}
