//! `[services.NAME.export]`: what `coord export` needs to hand a service to another engine and
//! that a local process does not (the container image). `coord run` ignores the table.

use super::diagnostics::Diagnostics;
use super::tree::Spanned;
use super::values::no_nul;
use serde::{Deserialize, Serialize};

/// `[services.NAME.export]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExport {
    pub image: Option<Spanned<String>>,
}

/// The validated `[services.NAME.export]` table (absent: every field `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Export {
    /// The container image the service runs from under Kubernetes (`image = "ghcr.io/me/api:1"`).
    pub image: Option<String>,
}

/// Converts the `export` table of a service, reporting an image name no registry could hold.
pub(crate) fn export(d: &mut Diagnostics, raw: Option<&Spanned<RawExport>>) -> Export {
    let Some(raw) = raw else {
        return Export::default();
    };
    let image = raw.get_ref().image.as_ref().map(|image| {
        let text = image.get_ref();
        if text.trim().is_empty() {
            d.error_at(
                image,
                "`image` is empty",
                "write the image the service runs from, such as `image = \"ghcr.io/acme/api:1.4\"`, or remove the key",
            );
        } else if text.chars().any(|c| c.is_whitespace()) {
            d.error_at(
                image,
                format!("`image` `{}` contains whitespace", text.escape_default()),
                "an image reference has no spaces: write it as `registry/name:tag`, such as `image = \"ghcr.io/acme/api:1.4\"`",
            );
        }
        no_nul(d, "`image`", text, image.span());
        text.clone()
    });
    Export { image }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `export` table `text` of a one-service stack, read through the format-neutral tree
    /// as the parser reads it: the result, or the error messages.
    fn convert(text: &str) -> (Export, Vec<String>) {
        let mut d = Diagnostics::new("f", text);
        let root = crate::stack::formats::toml_tree::parse(text).unwrap();
        let raw: Spanned<RawExport> = crate::stack::tree::from_tree(&root).unwrap();
        let export = export(&mut d, Some(&raw));
        let messages = d.into_errors().0.into_iter().map(|e| e.message).collect();
        (export, messages)
    }

    #[test]
    fn an_image_is_kept_as_written() {
        let (export, messages) = convert("image = \"ghcr.io/acme/api:1.4\"\n");
        assert_eq!(export.image.as_deref(), Some("ghcr.io/acme/api:1.4"));
        assert!(messages.is_empty());
    }

    #[test]
    fn an_empty_table_has_no_image() {
        let (export, messages) = convert("");
        assert_eq!(export, Export::default());
        assert!(messages.is_empty());
    }

    #[test]
    fn the_table_is_read_from_the_stack_file_and_unknown_keys_are_refused() {
        let text = "[services.api]\ncommand = \"x\"\n[services.api.export]\nimage = \"acme/api:1\"\n\n[services.db]\ncommand = \"y\"\n";
        let parsed = crate::Stack::parse_with_places("s.toml", text).unwrap();
        let images: Vec<_> = parsed
            .stack
            .services
            .iter()
            .map(|s| s.export.image.as_deref())
            .collect();
        assert_eq!(images, [Some("acme/api:1"), None]);
        let at = |p: super::super::Place| (p.line, p.column);
        assert_eq!(at(parsed.places.services[0]), (1, 11));
        assert_eq!(at(parsed.places.services[1]), (6, 11));

        let bad = "[services.api]\ncommand = \"x\"\nexport = { image = \"a\", tag = \"1\" }\n";
        let errors = crate::Stack::parse("s.toml", bad).unwrap_err().0;
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("tag"), "{}", errors[0].message);
        assert_eq!((errors[0].line, errors[0].column), (3, 25));
    }

    #[test]
    fn empty_and_spaced_images_are_errors() {
        assert_eq!(convert("image = \" \"\n").1, ["`image` is empty"]);
        assert_eq!(
            convert("image = \"acme/api 1\"\n").1,
            ["`image` `acme/api 1` contains whitespace"]
        );
    }
}
