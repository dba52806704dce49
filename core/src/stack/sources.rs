//! The texts a stack is read from, and which file each byte offset belongs to.
//!
//! A stack is usually one file, but a process-compose stack may be several (repeated `-f`, an
//! override file, `extends`), merged into one tree. The merged tree's spans stay plain byte
//! ranges: the files' texts are laid end to end (each on its own lines) in one text, so that an
//! offset names both the file and the place in it. [`Sources::locate`] turns an offset back into
//! `file:line:column`.

use super::location::LineIndex;

/// The texts of the files a stack is read from, laid end to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    text: String,
    files: Vec<SourceFile>,
}

/// One file among the [`Sources`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The file's name, as given (used in messages).
    pub name: String,
    /// The offset of its first byte in the combined text.
    pub start: usize,
    /// Its length in bytes.
    pub len: usize,
}

impl Sources {
    /// One file.
    pub fn single(name: &str, text: &str) -> Sources {
        Sources::new(&[(name, text)])
    }

    /// Several files, in this order. Each file's text starts on a line of its own (a newline
    /// separates it from the previous one), so lines are counted per file.
    pub fn new(files: &[(&str, &str)]) -> Sources {
        let mut text = String::new();
        let mut out = Vec::new();
        for (i, (name, body)) in files.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            out.push(SourceFile {
                name: (*name).to_string(),
                start: text.len(),
                len: body.len(),
            });
            text.push_str(body);
        }
        Sources { text, files: out }
    }

    /// The combined text (the spans of a merged tree point into it).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The files, in order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The index of the file byte `offset` belongs to (the last file whose text starts at or
    /// before it; offsets past every file belong to the last one).
    pub fn file_index(&self, offset: usize) -> usize {
        self.files
            .partition_point(|f| f.start <= offset)
            .saturating_sub(1)
    }

    /// The text of file `index` (empty for an unknown index).
    pub fn file_text(&self, index: usize) -> &str {
        self.files
            .get(index)
            .and_then(|f| self.text.get(f.start..f.start + f.len))
            .unwrap_or("")
    }

    /// `(file, line, column)` of byte `offset`: 1-based line and column within that file.
    pub fn locate(&self, offset: usize) -> (&str, usize, usize) {
        let index = self.file_index(offset);
        let Some(file) = self.files.get(index) else {
            return ("", 1, 1);
        };
        let local = offset.saturating_sub(file.start).min(file.len);
        let (line, column) = LineIndex::new(self.file_text(index)).line_column(local);
        (&file.name, line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_name_their_file_and_its_own_lines() {
        let s = Sources::new(&[("a.yaml", "x: 1\ny: 2\n"), ("b.yaml", "z: 3\nw: é4\n")]);
        assert_eq!(s.locate(0), ("a.yaml", 1, 1));
        assert_eq!(s.locate(5), ("a.yaml", 2, 1));
        let b = s.files()[1].start;
        assert_eq!(&s.text()[b..b + 4], "z: 3");
        assert_eq!(s.locate(b), ("b.yaml", 1, 1));
        assert_eq!(s.locate(b + 8), ("b.yaml", 2, 4));
        assert_eq!(s.file_text(1), "z: 3\nw: é4\n");
        assert_eq!(s.locate(9_999).0, "b.yaml");
        let one = Sources::single("f", "ab\ncd");
        assert_eq!(one.text(), "ab\ncd");
        assert_eq!(one.locate(4), ("f", 2, 2));
    }

    #[test]
    fn empty_files_keep_their_place() {
        let s = Sources::new(&[("a", ""), ("b", ""), ("c", "q")]);
        assert_eq!(s.locate(0).0, "a");
        assert_eq!(s.locate(1).0, "b");
        assert_eq!(s.locate(2), ("c", 1, 1));
    }
}
