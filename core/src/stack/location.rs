//! Byte offsets into a stack file -> 1-based line and column (in characters), for messages.

/// The start offsets of every line of a text, to turn byte offsets into line:column.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the lines of `text`.
    pub(crate) fn new(text: &'t str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, line_starts }
    }

    /// The 1-based line and 1-based character column of byte `offset`. Offsets past the end point
    /// just after the last character; offsets inside a multi-byte character point at it.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let prefix = &self.text.as_bytes()[start..offset];
        // Count characters by counting bytes that do not continue a UTF-8 sequence.
        let column = prefix.iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1;
        (line + 1, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_and_later_lines() {
        let index = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(index.line_column(0), (1, 1));
        assert_eq!(index.line_column(1), (1, 2));
        assert_eq!(index.line_column(2), (1, 3));
        assert_eq!(index.line_column(3), (2, 1));
        assert_eq!(index.line_column(6), (3, 1));
        assert_eq!(index.line_column(8), (4, 2));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let index = LineIndex::new("k = \"é\" # x");
        // `#` is the 9th character but the 10th byte.
        assert_eq!(index.line_column(9), (1, 9));
    }

    #[test]
    fn past_the_end_is_clamped() {
        let index = LineIndex::new("ab\n");
        assert_eq!(index.line_column(99), (2, 1));
        assert_eq!(LineIndex::new("").line_column(5), (1, 1));
    }
}
