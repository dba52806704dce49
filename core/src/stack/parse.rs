//! `coord.toml` text -> validated [`Stack`]: read the TOML (stopping at a syntax or shape error),
//! then convert and check everything, collecting every problem found.

use super::checks::{check_fixed_ports, check_lists, check_names};
use super::coordination::coordination;
use super::dependencies::check_cycles;
use super::diagnostics::Diagnostics;
use super::env_files::plan;
use super::formats::toml_tree;
use super::names::NameIndex;
use super::places::per_service;
use super::ranges::port_ranges;
use super::raw::RawService;
use super::service::{Context, service};
use super::syntax::{explain, reading_error};
use super::tree::RawNode;
use super::{ConfigErrors, Parsed, Places, ServiceId, Sources, Stack, raw};

impl Stack {
    /// Parses and validates the text of a stack file. `file` is only used in messages.
    ///
    /// A TOML syntax error, an unknown key or a value of the wrong type is reported alone (reading
    /// stops there); every other problem is collected, in file order.
    pub fn parse(file: &str, text: &str) -> Result<Stack, ConfigErrors> {
        Stack::parse_with_places(file, text).map(|parsed| parsed.stack)
    }

    /// Like [`Stack::parse`], keeping where the keys that later messages point at are written.
    pub fn parse_with_places(file: &str, text: &str) -> Result<Parsed, ConfigErrors> {
        let root =
            toml_tree::parse(text).map_err(|e| reading_error(file, text, e.span, &e.message))?;
        Stack::from_tree(file, text, &root)
    }

    /// The one validation pass, whatever the format: reads the raw tree of a stack file (see
    /// [`tree`](super::tree)) into a [`Stack`], collecting every problem found. `text` is the
    /// file's text, which the tree's spans point into; `file` is only used in messages.
    ///
    /// A key this format does not know or a value of the wrong type is reported alone (reading
    /// stops there); every other problem is collected, in file order.
    pub fn from_tree(file: &str, text: &str, root: &RawNode) -> Result<Parsed, ConfigErrors> {
        Stack::from_sources(&Sources::single(file, text), root)
    }

    /// [`Stack::from_tree`] for a tree whose spans point into the combined text of `sources`
    /// (a stack merged from several files): each message names the file its place is in. The
    /// stack is named after the first file.
    pub fn from_sources(sources: &Sources, root: &RawNode) -> Result<Parsed, ConfigErrors> {
        let file = sources.files().first().map_or("", |f| f.name.as_str());
        let raw = raw::from_tree(root).map_err(|e| {
            let mut d = Diagnostics::over(sources);
            let (message, help) = explain(&e.message);
            d.error(e.span.unwrap_or(0..0), message, help);
            d.into_errors()
        })?;
        let mut d = Diagnostics::over(sources);
        let parts = coordination(&mut d, raw.coordination);
        let ranges = port_ranges(&mut d, raw.ports);
        let (services_span, tables) = match raw.services {
            Some(s) => (s.span(), s.into_inner().0),
            None => (0..0, Vec::new()),
        };
        if tables.is_empty() {
            d.error(
                services_span,
                "the stack has no services",
                "add a `[services.NAME]` table for each process to run, with at least `command = \"...\"`",
            );
        }
        check_names(&mut d, &tables);
        check_fixed_ports(&mut d, &tables);
        let names: Vec<String> = tables.iter().map(|(n, _)| n.get_ref().clone()).collect();
        let index = NameIndex::new(&names);
        check_lists(&mut d, &parts, &index);
        let ctx = Context {
            coordination: &parts,
            ranges: &ranges,
            names: &index,
            required: parts
                .required
                .iter()
                .map(|s| s.get_ref().as_str())
                .collect(),
            optional: parts
                .optional
                .iter()
                .map(|s| s.get_ref().as_str())
                .collect(),
        };
        let built: Vec<_> = ServiceId::enumerate(&tables)
            .map(|(id, (name, table))| service(&mut d, &ctx, id, name, table))
            .collect();
        let edges: Vec<_> = built.iter().map(|b| &b.edges).collect();
        check_cycles(&mut d, &names, &edges);
        let raw_services: Vec<&RawService> = tables.iter().map(|(_, t)| t.get_ref()).collect();
        let env = plan(&mut d, raw.env_file.as_ref(), &raw_services);
        if !d.is_empty() {
            return Err(d.into_errors());
        }
        let places = Places {
            env,
            file: file.to_string(),
            files: d.file_names(),
            working_dir: per_service(tables.len(), |id| {
                let dir = tables[id].1.get_ref().working_dir.as_ref();
                dir.map(|w| d.place(w.span().start))
            }),
            dependencies: per_service(tables.len(), |id| {
                built[id]
                    .edges
                    .iter()
                    .map(|e| d.place(e.span.start))
                    .collect()
            }),
            services: per_service(tables.len(), |id| d.place(tables[id].0.span().start)),
        };
        let stack = Stack {
            file: file.to_string(),
            coordination: parts.coordination,
            port_ranges: ranges.valid,
            services: built.into_iter().map(|b| b.service).collect(),
        };
        Ok(Parsed { stack, places })
    }
}

#[cfg(test)]
mod tests;
