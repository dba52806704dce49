//! Reads the exported manifests and units back and checks that the stack's semantics survive:
//! every required edge is a wait in the dependent (an init container; `Requires=` + `After=`),
//! no optional or soft edge blocks, and every discovery variable resolves to a Service that
//! exists with that port.

mod export_common;

use coord_core::Stack;
use coord_core::stack::{DependencyKind, ServiceKind, env_prefix};
use export_common::{ENV_FILES, FIXTURES, STACK_DIR, kubernetes, stack, systemd};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, PodSpec, Secret, Service};
use k8s_openapi::api::rbac::v1::Role;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The objects of an export, read back from its YAML.
#[derive(Default)]
struct Cluster {
    pods: BTreeMap<String, PodSpec>,
    services: BTreeMap<String, Service>,
    roles: Vec<Role>,
}

fn read_back(stack: &Stack, fixture: &str) -> Cluster {
    let (files, _) = kubernetes(stack, fixture);
    let mut cluster = Cluster::default();
    for file in files {
        for doc in serde_norway::Deserializer::from_str(&file.text) {
            let value = serde_norway::Value::deserialize(doc).expect("yaml");
            let kind = value["kind"].as_str().expect("kind").to_string();
            match kind.as_str() {
                "Deployment" => {
                    let d: Deployment = serde_norway::from_value(value).expect("deployment");
                    let name = d.metadata.name.clone().unwrap();
                    cluster
                        .pods
                        .insert(name, d.spec.unwrap().template.spec.unwrap());
                }
                "Job" => {
                    let j: Job = serde_norway::from_value(value).expect("job");
                    let name = j.metadata.name.clone().unwrap();
                    cluster
                        .pods
                        .insert(name, j.spec.unwrap().template.spec.unwrap());
                }
                "Service" => {
                    let s: Service = serde_norway::from_value(value).expect("service");
                    cluster.services.insert(s.metadata.name.clone().unwrap(), s);
                }
                "Role" => cluster
                    .roles
                    .push(serde_norway::from_value(value).expect("role")),
                "ConfigMap" | "Secret" | "ServiceAccount" | "RoleBinding" => {}
                other => panic!("unexpected kind {other} in {}", file.name),
            }
        }
    }
    cluster
}

fn service_ports(cluster: &Cluster, name: &str) -> Vec<i32> {
    cluster.services.get(name).map_or_else(Vec::new, |s| {
        s.spec
            .as_ref()
            .unwrap()
            .ports
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.port)
            .collect()
    })
}

/// Everything a wait container runs, as one text.
fn wait_text(c: &Container) -> String {
    let mut words = c.command.clone().unwrap_or_default();
    words.extend(c.args.clone().unwrap_or_default());
    words.join(" ")
}

fn env_of(pod: &PodSpec) -> BTreeMap<String, String> {
    pod.containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn required_edges_wait_and_optional_or_soft_ones_do_not() {
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let cluster = read_back(&stack, fixture);
        let mut edges = 0;
        for service in &stack.services {
            let pod = &cluster.pods[&service.name];
            let inits = pod.init_containers.clone().unwrap_or_default();
            for dep in &service.depends_on {
                let target = &stack.services[dep.service];
                let waits: Vec<&Container> = inits
                    .iter()
                    .filter(|c| c.name == format!("wait-{}", dep.name))
                    .collect();
                if dep.kind != DependencyKind::Required {
                    assert!(
                        waits.is_empty(),
                        "{fixture}: {} blocks on {:?} dependency {}",
                        service.name,
                        dep.kind,
                        dep.name
                    );
                    assert!(
                        !inits.iter().any(|c| wait_text(c).contains(&dep.name)),
                        "{fixture}: an init container of {} names {}",
                        service.name,
                        dep.name
                    );
                    continue;
                }
                edges += 1;
                assert_eq!(
                    waits.len(),
                    1,
                    "{fixture}: {} -> {}",
                    service.name,
                    dep.name
                );
                let text = wait_text(waits[0]);
                let ports = service_ports(&cluster, &dep.name);
                if target.kind == ServiceKind::Task {
                    assert!(text.contains(&format!("job/{}", dep.name)), "{text}");
                    assert!(text.contains("--for=condition=complete"), "{text}");
                } else if let Some(&port) = ports.first() {
                    // Through the dependency's Service, which routes to ready pods only.
                    let through = format!("{}:{port}", dep.name);
                    let nc = format!("{} {port}", dep.name);
                    assert!(
                        text.contains(&through) || text.contains(&nc),
                        "{fixture}: {} waits on {text}",
                        service.name
                    );
                } else {
                    assert!(text.contains(&format!("deployment/{}", dep.name)), "{text}");
                    assert!(text.contains("--for=condition=available"), "{text}");
                }
                if text.starts_with("wait ") {
                    // A wait that reads the API runs as the account its Role allows.
                    assert_eq!(pod.service_account_name.as_deref(), Some("coord-wait"));
                    let resource = if target.kind == ServiceKind::Task {
                        "jobs"
                    } else {
                        "deployments"
                    };
                    let allowed = cluster.roles.iter().any(|r| {
                        r.rules.iter().flatten().any(|rule| {
                            rule.resources.iter().flatten().any(|x| x == resource)
                                && rule
                                    .verbs
                                    .iter()
                                    .all(|v| ["get", "list", "watch"].contains(&v.as_str()))
                        })
                    });
                    assert!(allowed, "{fixture}: no Role reads {resource}");
                }
            }
            assert_eq!(
                inits.len(),
                service
                    .depends_on
                    .iter()
                    .filter(|d| d.kind == DependencyKind::Required)
                    .count(),
                "{fixture}: {} has an init container for no required edge",
                service.name
            );
        }
        assert!(edges > 0, "{fixture} has required edges");
    }
}

#[test]
fn discovery_variables_resolve_to_services_with_their_port() {
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let cluster = read_back(&stack, fixture);
        for (id, service) in stack.services.iter().enumerate() {
            let pod = &cluster.pods[&service.name];
            let env = env_of(pod);
            if service.port.is_some() {
                let port = &env["PORT"];
                let ports = service_ports(&cluster, &service.name);
                assert_eq!(
                    ports,
                    [port.parse::<i32>().unwrap()],
                    "{fixture}: {}",
                    service.name
                );
                let container_port = pod.containers[0].ports.as_ref().unwrap()[0].container_port;
                assert_eq!(container_port.to_string(), *port);
            }
            for dep in &service.depends_on {
                let prefix = env_prefix(&dep.name);
                assert_eq!(env[&format!("{prefix}_AVAILABLE")], "1");
                let target = &stack.services[dep.service];
                if target.port.is_none() {
                    assert!(!env.contains_key(&format!("{prefix}_HOST")));
                    continue;
                }
                let host = &env[&format!("{prefix}_HOST")];
                let port = &env[&format!("{prefix}_PORT")];
                let url = &env[&format!("{prefix}_URL")];
                let ports = service_ports(&cluster, host);
                assert!(
                    ports.contains(&port.parse().unwrap()),
                    "{fixture}: {}'s {prefix}_HOST={host} {prefix}_PORT={port}: Service ports {ports:?}",
                    stack.services[id].name
                );
                assert!(url.contains(&format!("{host}:{port}")), "{url}");
            }
        }
    }
}

#[test]
fn systemd_units_order_and_require_by_kind() {
    for fixture in FIXTURES {
        let stack = stack(fixture);
        let (files, _) = systemd(&stack, fixture, Path::new(STACK_DIR));
        let stack_name = export_common::label(fixture).replace('_', "-");
        let unit = |name: &str| format!("{stack_name}-{name}.service");
        for service in &stack.services {
            let text = &files
                .iter()
                .find(|f| f.name == unit(&service.name))
                .expect("unit")
                .text;
            let list = |key: &str| -> Vec<String> {
                text.lines()
                    .filter_map(|l| l.strip_prefix(&format!("{key}=")))
                    .flat_map(|l| l.split(' ').map(String::from))
                    .collect()
            };
            for dep in &service.depends_on {
                let d = unit(&dep.name);
                assert!(
                    list("After").contains(&d),
                    "{fixture}: {} After {d}",
                    service.name
                );
                let (requires, wants) = match dep.kind {
                    DependencyKind::Required => (true, false),
                    DependencyKind::Optional | DependencyKind::Started => (false, true),
                    DependencyKind::Soft => (false, false),
                };
                assert_eq!(
                    list("Requires").contains(&d),
                    requires,
                    "{}: {d}",
                    service.name
                );
                assert_eq!(list("Wants").contains(&d), wants, "{}: {d}", service.name);
            }
            let kind = list("Type");
            match service.kind {
                ServiceKind::Task => {
                    assert_eq!(kind, ["oneshot"]);
                    assert_eq!(list("RemainAfterExit"), ["yes"]);
                }
                ServiceKind::Service => assert!(kind == ["exec"] || kind == ["notify"]),
            }
        }
    }
}

/// The value of every variable a service of `stack` gets from its env files (the fake secrets).
fn env_file_values(stack: &Stack) -> Vec<(String, String, String)> {
    let mut values = Vec::new();
    for service in &stack.services {
        for key in &service.env_from_files {
            values.push((service.name.clone(), key.clone(), service.env[key].clone()));
        }
    }
    values
}

#[test]
fn env_file_values_are_only_in_secrets_never_in_config_maps_or_workloads() {
    let stack = stack(ENV_FILES);
    let secrets = env_file_values(&stack);
    assert!(secrets.len() >= 6, "the fixture has env files: {secrets:?}");
    let (files, report) = kubernetes(&stack, ENV_FILES);
    let mut in_secrets: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut secret_refs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        for doc in serde_norway::Deserializer::from_str(&file.text) {
            let value = serde_norway::Value::deserialize(doc).expect("yaml");
            let text = serde_norway::to_string(&value).unwrap();
            match value["kind"].as_str().expect("kind") {
                "Secret" => {
                    let s: Secret = serde_norway::from_value(value).expect("secret");
                    assert_eq!(s.type_.as_deref(), Some("Opaque"));
                    assert!(file.private, "{} holds a Secret: mode 0600", file.name);
                    in_secrets.insert(s.metadata.name.unwrap(), s.string_data.unwrap());
                }
                kind => {
                    for (service, key, secret) in &secrets {
                        assert!(
                            !text.contains(secret.as_str()),
                            "{service}'s {key} from an env file is in a {kind} of {}:\n{text}",
                            file.name
                        );
                    }
                    if kind == "Deployment" || kind == "Job" {
                        let pod = &value["spec"]["template"]["spec"];
                        let pod: PodSpec = serde_norway::from_value(pod.clone()).unwrap();
                        let refs = pod.containers[0]
                            .env_from
                            .iter()
                            .flatten()
                            .filter_map(|e| e.secret_ref.as_ref().map(|r| r.name.clone()))
                            .collect();
                        let name = value["metadata"]["name"].as_str().unwrap().to_string();
                        secret_refs.insert(name, refs);
                    }
                }
            }
        }
    }
    for service in &stack.services {
        let refs = &secret_refs[&service.name];
        for key in &service.env_from_files {
            if key == "PORT" {
                continue; // coord sets it: left out, as the report says
            }
            let found = refs
                .iter()
                .filter_map(|r| in_secrets.get(r))
                .find_map(|data| data.get(key));
            assert_eq!(
                found,
                Some(&service.env[key]),
                "{}'s {key} reaches its container through a Secret it references",
                service.name
            );
        }
    }
    assert!(
        report.contains("4 variables from env files exported as Secret api-env-files")
            && report.contains("`PORT` from an env file is left out"),
        "{report}"
    );
}

/// An env file as systemd reads it: `KEY="value"` lines with `\`-escapes, `#` comments.
fn read_env_file(text: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (key, quoted) = line.split_once('=').expect("KEY=value");
        let inner = quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .expect("quoted");
        let mut value = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            value.push(if c == '\\' { chars.next().unwrap() } else { c });
        }
        vars.insert(key.to_string(), value);
    }
    vars
}

#[test]
fn env_file_values_are_only_in_private_env_files_never_in_units() {
    let stack = stack(ENV_FILES);
    let secrets = env_file_values(&stack);
    let (files, _) = systemd(&stack, ENV_FILES, Path::new(STACK_DIR));
    let mut env_files = BTreeMap::new();
    for file in &files {
        if file.name.ends_with(".env") {
            assert!(file.private, "{} is written with mode 0600", file.name);
            env_files.insert(file.name.clone(), read_env_file(&file.text));
            continue;
        }
        assert!(!file.private, "{}", file.name);
        for (service, key, secret) in &secrets {
            assert!(
                !file.text.contains(secret.as_str()),
                "{service}'s {key} from an env file is in {}:\n{}",
                file.name,
                file.text
            );
        }
    }
    for service in &stack.services {
        let unit = format!("shop-{}", service.name);
        let text = &files
            .iter()
            .find(|f| f.name == format!("{unit}.service"))
            .unwrap()
            .text;
        let line = format!("EnvironmentFile=%E/systemd/user/{unit}.env\n");
        assert!(
            text.contains(&line),
            "{unit}.service reads its env file\n{text}"
        );
        let vars = &env_files[&format!("{unit}.env")];
        for key in &service.env_from_files {
            if key == "PORT" {
                assert!(!vars.contains_key(key), "coord sets PORT, not the file");
                continue;
            }
            assert_eq!(vars.get(key), Some(&service.env[key]), "{unit}.env: {key}");
        }
    }
}
