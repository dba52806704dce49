//! Words for long lists in what a user reads: a startup summary or a cycle error of a stack of
//! 2,000 services names the first few and counts the rest instead of printing every name.

/// How many names a list in a message shows before it counts the rest.
pub const LIST_LIMIT: usize = 10;

/// `1990` as `1,990`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `items` joined with `sep`; beyond [`LIST_LIMIT`] items, the first ones and then
/// `... and 1,990 more` (after one more `sep`).
pub fn abbreviate<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let shown: Vec<&str> = items.iter().take(LIST_LIMIT).map(AsRef::as_ref).collect();
    let mut out = shown.join(sep);
    if items.len() > LIST_LIMIT {
        out.push_str(sep);
        out.push_str(&format!(
            "... and {} more",
            thousands(items.len() - LIST_LIMIT)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_990), "1,990");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn short_lists_are_whole_and_long_ones_counted() {
        assert_eq!(abbreviate(&["a", "b"], " > "), "a > b");
        let names: Vec<String> = (0..2_000).map(|i| format!("s{i}")).collect();
        assert_eq!(
            abbreviate(&names, ", "),
            "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, ... and 1,990 more"
        );
        assert_eq!(abbreviate(&names[..10], ", ").matches(", ").count(), 9);
    }
}
