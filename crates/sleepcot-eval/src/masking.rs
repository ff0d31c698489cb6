//! Masking the option letters of a rationale, to test whether Sci-CoT's answer inferrer reads
//! the reasoning or copies the letter the rationale names.
//!
//! A knowledge rationale names the right option ("Option C states exactly this") and often a
//! wrong one ("Statement B sounds similar"). With the letters masked the inferrer still reads
//! the fact the rationale states, and must find the option whose text agrees with it.

/// What a masked option letter is replaced with.
pub const MASK: &str = "_";

/// `text` with every standalone option letter `A` to `D` (a capital letter that is a whole
/// word, as in "option C" or "C)") replaced by [`MASK`]. Letters inside words, and the article
/// "A" that opens a sentence followed by a lower-case word, are kept.
pub fn mask_option_letters(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        let letter = matches!(c, 'A'..='D');
        let alone = letter
            && !is_word(i.checked_sub(1).and_then(|j| chars.get(j)))
            && !is_word(chars.get(i + 1));
        // "A" as an article: followed by a space and a lower-case word.
        let article = *c == 'A'
            && chars.get(i + 1) == Some(&' ')
            && chars.get(i + 2).is_some_and(|n| n.is_lowercase());
        if alone && !article {
            out.push_str(MASK);
        } else {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_letters_are_masked_and_words_kept() {
        assert_eq!(
            mask_option_letters("Option C states exactly this.\nStatement B sounds similar."),
            "Option _ states exactly this.\nStatement _ sounds similar."
        );
        assert_eq!(
            mask_option_letters("The value that agrees is 7-9 h, which is option A."),
            "The value that agrees is 7-9 h, which is option _."
        );
        assert_eq!(
            mask_option_letters("A short nap of 20 min helps. Vitamin D and REM (C)."),
            "A short nap of 20 min helps. Vitamin _ and REM (_)."
        );
        assert_eq!(mask_option_letters("CBT-I and ADHD"), "CBT-I and ADHD");
    }
}
