//! ROUGE-L: the F-measure of the longest common token subsequence of two texts.
//!
//! Tokens are maximal runs of letters and digits, lower-cased (`6.1 h` is `6`, `1`, `h`). With
//! `L` the length of the longest common subsequence, `P = L / |candidate|`, `R = L / |reference|`
//! and ROUGE-L is their harmonic mean (F1, β = 1).

/// Lower-cased alphanumeric tokens of `text`.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Length of the longest common subsequence of two token lists (two-row dynamic programme).
pub fn lcs_len<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            row[j + 1] = if x == y {
                prev[j] + 1
            } else {
                row[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// ROUGE-L F1 of `candidate` against `reference`, in `[0, 1]`; two empty texts score 1.
pub fn rouge_l(candidate: &str, reference: &str) -> f64 {
    let (c, r) = (tokens(candidate), tokens(reference));
    if c.is_empty() || r.is_empty() {
        return if c.is_empty() && r.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    let l = lcs_len(&c, &r) as f64;
    if l == 0.0 {
        return 0.0;
    }
    let (p, r) = (l / c.len() as f64, l / r.len() as f64);
    2.0 * p * r / (p + r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rouge_l_matches_a_hand_count() {
        // LCS of "the cat sat on the mat" and "the cat lay on a mat" is "the cat on mat" (4).
        let f = rouge_l("the cat sat on the mat", "The cat lay on a mat.");
        let (p, r) = (4.0 / 6.0, 4.0 / 6.0);
        assert!((f - 2.0 * p * r / (p + r)).abs() < 1e-12);
        assert_eq!(rouge_l("Sleep 6.1 h", "sleep 6.1 h"), 1.0);
        assert_eq!(rouge_l("a b", "c d"), 0.0);
        assert_eq!(rouge_l("", "x"), 0.0);
        assert_eq!(rouge_l("", ""), 1.0);
    }

    #[test]
    fn order_matters_unlike_bag_of_words() {
        assert_eq!(lcs_len(&tokens("a b c d"), &tokens("d c b a")), 1);
        assert!(rouge_l("d c b a", "a b c d") < rouge_l("a b c d", "a b c d"));
    }
}
