//! One service -> its objects: a ConfigMap for its own `env`, a Secret for the variables of its
//! env files, a Deployment (a task: a Job) whose
//! pod runs its command with coord's variables, its probes and its required-dependency waits,
//! and a ClusterIP Service on its port.

use super::super::text::{ceil_secs, ceil_secs_or_zero, human, rewrite_vars, whole_secs};
use super::super::{EnvSplit, Notes, Plan};
use super::Manifest;
use super::names::Names;
use super::probes::probes;
use super::rbac::SERVICE_ACCOUNT;
use super::waits::{ApiReads, waits};
use coord_core::ServiceId;
use coord_core::stack::{CommandSpec, RestartPolicy, Service, ServiceKind, StopSignal};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EnvFromSource, EnvVar, ExecAction,
    Lifecycle, LifecycleHandler, PodSpec, PodTemplateSpec, Secret, SecretEnvSource,
    Service as KService, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// The label naming the service a pod or object belongs to.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
/// The label naming the stack.
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";

/// The objects of service `id` (image already checked), and what its waits read from the API.
pub fn workload(
    plan: &Plan,
    names: &Names,
    id: ServiceId,
    image: &str,
    notes: &mut Notes,
) -> (Vec<Manifest>, ApiReads) {
    let service = plan.service(id);
    let name = names.of(id);
    let port = plan.ports[id];
    let mut manifests = Vec::new();
    let env_from = env_sources(plan, id, name, &mut manifests, notes);
    let discovery = plan.discovery_env(id, |dep| names.of(dep).to_string());
    let (init, reads) = waits(plan, names, id, notes);
    let probes = probes(service, port, notes);
    let container = Container {
        name: name.to_string(),
        image: Some(image.to_string()),
        command: Some(command(service, &discovery)),
        env: Some(
            discovery
                .iter()
                .map(|(k, v)| EnvVar {
                    name: k.clone(),
                    value: Some(escape(v)),
                    value_from: None,
                })
                .collect(),
        )
        .filter(|e: &Vec<EnvVar>| !e.is_empty()),
        env_from,
        ports: port.map(|p| {
            vec![ContainerPort {
                container_port: i32::from(p),
                protocol: Some("TCP".to_string()),
                ..ContainerPort::default()
            }]
        }),
        readiness_probe: probes.readiness,
        startup_probe: probes.startup,
        liveness_probe: probes.liveness,
        working_dir: working_dir(service, notes),
        lifecycle: stop_hook(service, notes),
        ..Container::default()
    };
    let pod = PodSpec {
        containers: vec![container],
        init_containers: Some(init).filter(|i| !i.is_empty()),
        service_account_name: reads.any().then(|| SERVICE_ACCOUNT.to_string()),
        termination_grace_period_seconds: Some(ceil_secs_or_zero(service.stop_grace)),
        restart_policy: (service.kind == ServiceKind::Task).then(|| "Never".to_string()),
        ..PodSpec::default()
    };
    if !whole_secs(service.stop_grace) && !service.stop_grace.is_zero() {
        notes.service(
            &service.name,
            format!(
                "stop_grace {} becomes {}s (Kubernetes counts whole seconds)",
                human(service.stop_grace),
                ceil_secs(service.stop_grace)
            ),
        );
    }
    if port.is_some() && loopback_only(&service.command) {
        notes.service(
            &service.name,
            "the command names the loopback address (127.0.0.1/localhost): a program listening there only is unreachable through its Service and probes; make it listen on all addresses (0.0.0.0)",
        );
    }
    if service.socket_activation {
        notes.service(
            &service.name,
            "socket_activation: Kubernetes cannot hand the container a listening socket (fd 3); the program must listen on $PORT itself",
        );
    }
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(plan, name)),
            ..ObjectMeta::default()
        }),
        spec: Some(pod),
    };
    match service.kind {
        ServiceKind::Service => {
            restart_notes(service, notes);
            manifests.push(Manifest::Deployment(Deployment {
                metadata: metadata(plan, name, name),
                spec: Some(DeploymentSpec {
                    replicas: Some(1),
                    selector: LabelSelector {
                        match_labels: Some(labels(plan, name)),
                        ..LabelSelector::default()
                    },
                    min_ready_seconds: min_ready(service, notes),
                    template,
                    ..DeploymentSpec::default()
                }),
                ..Deployment::default()
            }));
        }
        ServiceKind::Task => {
            notes.service(
                &service.name,
                format!(
                    "task: readiness_timeout {} (time to complete) is not enforced; a failed attempt is retried {} times (backoffLimit) after Kubernetes' own backoff",
                    human(service.readiness_timeout),
                    plan.stack.coordination.startup_retry_count
                ),
            );
            manifests.push(Manifest::Job(Job {
                metadata: metadata(plan, name, name),
                spec: Some(JobSpec {
                    backoff_limit: Some(
                        i32::try_from(plan.stack.coordination.startup_retry_count)
                            .unwrap_or(i32::MAX),
                    ),
                    template,
                    ..JobSpec::default()
                }),
                ..Job::default()
            }));
        }
    }
    if let Some(p) = port {
        manifests.push(Manifest::Service(KService {
            metadata: metadata(plan, name, name),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_string()),
                selector: Some(labels(plan, name)),
                ports: Some(vec![ServicePort {
                    port: i32::from(p),
                    target_port: Some(IntOrString::Int(i32::from(p))),
                    protocol: Some("TCP".to_string()),
                    ..ServicePort::default()
                }]),
                ..ServiceSpec::default()
            }),
            ..KService::default()
        }));
        if service.kind == ServiceKind::Task {
            notes.service(
                &service.name,
                "task with a port: its Service answers only while its Job runs",
            );
        }
    }
    (manifests, reads)
}

/// The container's `envFrom`: a ConfigMap `NAME-env` for the service's own `env` and an Opaque
/// Secret `NAME-env-files` for the variables of its env files (one per service, as each service
/// sees its own set of files), each pushed onto `manifests`. The two never share a key, and the
/// container's `env` (PORT, discovery) wins over both, as under `coord run`.
fn env_sources(
    plan: &Plan,
    id: ServiceId,
    name: &str,
    manifests: &mut Vec<Manifest>,
    notes: &mut Notes,
) -> Option<Vec<EnvFromSource>> {
    let service = plan.service(id);
    let split = EnvSplit::for_export(plan, id, notes);
    let mut sources = Vec::new();
    if !split.own.is_empty() {
        let config_map = format!("{name}-env");
        manifests.push(Manifest::ConfigMap(ConfigMap {
            metadata: metadata(plan, &config_map, name),
            data: Some(split.own),
            ..ConfigMap::default()
        }));
        sources.push(EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: config_map,
                optional: None,
            }),
            ..EnvFromSource::default()
        });
    }
    if !split.from_files.is_empty() {
        let secret = format!("{name}-env-files");
        let count = split.from_files.len();
        notes.service(
            &service.name,
            format!(
                "{count} variable{} from env files exported as Secret {secret} (the values are in that file in the clear: keep it out of version control, or create the Secret another way)",
                if count == 1 { "" } else { "s" }
            ),
        );
        manifests.push(Manifest::Secret(Secret {
            metadata: metadata(plan, &secret, name),
            type_: Some("Opaque".to_string()),
            string_data: Some(split.from_files),
            ..Secret::default()
        }));
        sources.push(EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: secret,
                optional: None,
            }),
            ..EnvFromSource::default()
        });
    }
    Some(sources).filter(|s| !s.is_empty())
}

/// The labels of everything belonging to service `name` of the stack.
pub fn labels(plan: &Plan, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME_LABEL.to_string(), name.to_string()),
        (PART_OF_LABEL.to_string(), plan.name.clone()),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "coord".to_string(),
        ),
    ])
}

/// Metadata of an object called `object` belonging to service `service`.
pub fn metadata(plan: &Plan, object: &str, service: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(object.to_string()),
        labels: Some(labels(plan, service)),
        ..ObjectMeta::default()
    }
}

/// A literal for Kubernetes, which expands `$(NAME)` in commands and env values: `$` as `$$`.
fn escape(text: &str) -> String {
    text.replace('$', "$$")
}

/// The container command: a string through `sh -c` as under coord; an argv with the references
/// coord expands at spawn (`$PORT`, the discovery variables, `env`) as `$(NAME)`.
fn command(service: &Service, discovery: &[(String, String)]) -> Vec<String> {
    match &service.command {
        CommandSpec::Shell(line) => vec!["sh".into(), "-c".into(), escape(line)],
        CommandSpec::Argv(argv) => {
            let known: Vec<String> = discovery
                .iter()
                .map(|(k, _)| k.clone())
                .chain(service.env.keys().cloned())
                .collect();
            argv.iter()
                .map(|item| rewrite_vars(item, &known, |n| format!("$({n})"), escape))
                .collect()
        }
    }
}

/// Whether the command names the loopback address (as `--bind 127.0.0.1` does).
fn loopback_only(command: &CommandSpec) -> bool {
    let mentions = |text: &str| text.contains("127.0.0.1") || text.contains("localhost");
    match command {
        CommandSpec::Shell(line) => mentions(line),
        CommandSpec::Argv(argv) => argv.iter().any(|a| mentions(a)),
    }
}

/// An absolute `working_dir` is the container's; a relative one names a directory beside the
/// stack file on this machine, which the image knows nothing about.
fn working_dir(service: &Service, notes: &mut Notes) -> Option<String> {
    let dir = service.working_dir.as_ref()?;
    if dir.starts_with('/') {
        return Some(dir.clone());
    }
    notes.service(
        &service.name,
        format!(
            "working_dir `{dir}` is relative to the stack file: dropped (the image's WORKDIR applies)"
        ),
    );
    None
}

/// A stop signal other than TERM is sent by a preStop hook to the container's main process,
/// which then has until the grace period to exit before Kubernetes' TERM and KILL.
fn stop_hook(service: &Service, notes: &mut Notes) -> Option<Lifecycle> {
    let signal = match service.stop_signal {
        StopSignal::Term => return None,
        StopSignal::Int => "INT",
        StopSignal::Quit => "QUIT",
        StopSignal::Hup => "HUP",
        StopSignal::Usr1 => "USR1",
        StopSignal::Usr2 => "USR2",
        StopSignal::Kill => "KILL",
    };
    notes.service(
        &service.name,
        format!(
            "stop_signal {signal}: sent to the container's main process (not its whole process group) by a preStop hook that needs `sh` and `kill` in the image"
        ),
    );
    let script = format!("kill -s {signal} 1; while kill -0 1 2>/dev/null; do sleep 1; done");
    Some(Lifecycle {
        pre_stop: Some(LifecycleHandler {
            exec: Some(ExecAction {
                command: Some(vec!["sh".into(), "-c".into(), script]),
            }),
            ..LifecycleHandler::default()
        }),
        ..Lifecycle::default()
    })
}

/// A service without readiness probe is ready once it has run `min_uptime`: the Deployment's
/// `minReadySeconds`.
fn min_ready(service: &Service, notes: &mut Notes) -> Option<i32> {
    if service.ready.is_some() {
        return None;
    }
    if !whole_secs(service.min_uptime) && !service.min_uptime.is_zero() {
        notes.service(
            &service.name,
            format!(
                "min_uptime {} becomes minReadySeconds {} (whole seconds)",
                human(service.min_uptime),
                ceil_secs(service.min_uptime)
            ),
        );
    }
    i32::try_from(ceil_secs_or_zero(service.min_uptime)).ok()
}

/// What the restart policy loses on a Deployment, which always restarts its container.
fn restart_notes(service: &Service, notes: &mut Notes) {
    let restart = &service.restart;
    match restart.policy {
        RestartPolicy::No => notes.service(
            &service.name,
            "restart `no`: a Deployment restarts its container whenever it exits",
        ),
        RestartPolicy::OnFailure => notes.service(
            &service.name,
            "restart `on-failure`: a Deployment also restarts its container after a clean exit",
        ),
        RestartPolicy::Always => {}
    }
    if restart.policy != RestartPolicy::No {
        notes.service(
            &service.name,
            format!(
                "restart limits (max_restarts {} in {}, backoff {} to {}) are not carried: Kubernetes backs off on its own (10s doubling to 5m) and never gives up",
                restart.max_restarts,
                human(restart.window),
                human(restart.backoff_initial),
                human(restart.backoff_max)
            ),
        );
    }
}
