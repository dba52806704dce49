//! The format-neutral raw tree of a stack file: what a file says, with where it says it, before
//! any validation.
//!
//! Every supported format (coord.toml, process-compose.yaml, Procfile) is read into a [`RawNode`]
//! whose spans are byte offsets into the file's text; one validation pass
//! ([`Stack::from_tree`](crate::Stack::from_tree)) turns the tree into a [`Stack`](crate::Stack)
//! with `file:line:col` diagnostics, whatever the format was. A reader for a new format builds
//! the tree with [`RawNode::table`], [`RawNode::array`], [`RawNode::string`], ... and keys with
//! [`Spanned::new`]; tables keep their entries in file order (a `Vec`, never a hash map).
//!
//! The tree is the shape of a coord.toml: a root table with `coordination`, `ports` and
//! `services` tables, each service a table of the keys the README lists. A reader for another
//! format maps its own fields onto those keys and points each node's span at the text it came
//! from, so that errors name the line and column of the original file.

mod de;
mod node;
mod spanned;

pub(crate) use de::{ShapeError, from_tree};
pub use node::{RawNode, RawValue};
pub use spanned::Spanned;
