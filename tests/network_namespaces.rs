//! Every sandbox has a network namespace of its own, never shared with another
//! job or the host, with loopback up: whether it was made ahead of time by the
//! runner's launcher (a small pool) or unshared by the sandbox itself.

mod common;

use serde::{Deserialize, Serialize};
use workernator::{Job, JobContext, JobError, Run};

workernator::init_before_main!();

/// Reports its network namespace and whether it could listen on loopback.
#[derive(Job, Serialize, Deserialize)]
pub struct NetworkIdentity {
    pub hold_ms: u64,
}

impl Run for NetworkIdentity {
    type Output = (String, bool);
    fn run(self, _ctx: &JobContext) -> Result<(String, bool), JobError> {
        let namespace = std::fs::read_link("/proc/self/ns/net")?
            .to_string_lossy()
            .into_owned();
        // The same port in every job: it binds only if no other job shares the namespace.
        let listener = std::net::TcpListener::bind("127.0.0.1:4321");
        std::thread::sleep(std::time::Duration::from_millis(self.hold_ms));
        Ok((namespace, listener.is_ok()))
    }
}

#[test]
fn every_job_gets_a_fresh_network_namespace_of_its_own() {
    if !common::privileged("every_job_gets_a_fresh_network_namespace_of_its_own") {
        return;
    }
    let host = std::fs::read_link("/proc/self/ns/net")
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let test = common::runner();
    let rt = common::rt();
    // Waves larger than the launcher's pool, one after another, so that jobs
    // get both prepared namespaces and ones their sandbox made. Within a wave
    // the jobs live at the same time, so their namespaces' numbers must differ
    // (across waves the kernel reuses the numbers of namespaces gone).
    for wave in 0..3 {
        let jobs: Vec<_> = (0..6)
            .map(|_| test.runner.start(NetworkIdentity { hold_ms: 200 }).unwrap())
            .collect();
        let mut seen = std::collections::HashSet::new();
        for job in jobs {
            let (namespace, listened) = rt.block_on(job.wait()).unwrap();
            assert!(
                listened,
                "wave {wave}: loopback works and the port is the job's alone"
            );
            assert_ne!(namespace, host, "not the host's namespace");
            assert!(
                seen.insert(namespace.clone()),
                "{namespace} shared by two live jobs"
            );
        }
    }
}
