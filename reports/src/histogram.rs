//! The histogram codec, the data of record: every latency histogram in a report is an
//! HdrHistogram in its V2 + DEFLATE encoding, base64. The run encodes, the merge, the plots and
//! the comparisons decode, all here, so that the format has one definition.

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};

use crate::Percentiles;

/// The histogram in the HdrHistogram V2 + DEFLATE encoding, base64.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serialising into memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A histogram of record decoded, or why it cannot be.
pub fn decode(encoded: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|error| format!("a histogram is not base64: {error}"))?;
    Deserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|error| format!("a histogram does not decode: {error:?}"))
}

/// A histogram of record decoded; `None` when it is empty or unreadable (a plot leaves it out).
pub fn decode_nonempty(encoded: &str) -> Option<Histogram<u64>> {
    decode(encoded)
        .ok()
        .filter(|histogram| !histogram.is_empty())
}

/// The percentiles a report keeps beside each histogram.
pub fn percentiles(histogram: &Histogram<u64>) -> Percentiles {
    if histogram.is_empty() {
        return Percentiles::default();
    }
    Percentiles {
        count: histogram.len(),
        mean_us: histogram.mean(),
        p50_us: histogram.value_at_quantile(0.50),
        p90_us: histogram.value_at_quantile(0.90),
        p95_us: histogram.value_at_quantile(0.95),
        p99_us: histogram.value_at_quantile(0.99),
        p999_us: histogram.value_at_quantile(0.999),
        max_us: histogram.max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_survives_its_encoding_and_garbage_is_named() {
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for value in [120, 450, 450, 9_800, 1_200_000] {
            histogram.record(value).unwrap();
        }
        let decoded = decode(&encode(&histogram)).unwrap();
        assert_eq!(percentiles(&decoded), percentiles(&histogram));
        assert_eq!(decoded.len(), 5);
        assert!(decode("not base64!").unwrap_err().contains("not base64"));
        assert!(decode("AAAA").unwrap_err().contains("does not decode"));
        assert!(decode_nonempty(&encode(&Histogram::<u64>::new(3).unwrap())).is_none());
        assert_eq!(percentiles(&Histogram::<u64>::new(3).unwrap()).count, 0);
    }
}
