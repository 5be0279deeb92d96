//! The seccomp deny list of every sandbox.
//!
//! Everything not listed is allowed: the list takes away what an unprivileged
//! process should never need and what has been the way out of containers
//! (kernel attack surface reachable without capabilities: io_uring, bpf,
//! userfaultfd, perf, keyrings, new namespaces). Most of it also needs
//! capabilities the job does not have; the filter is the second wall.
//!
//! One filter is installed (`program.rs` lays it out), answering:
//! - `EPERM` for the deny list;
//! - `ENOSYS` for `clone3`: its flags sit in memory a filter cannot read, and
//!   `ENOSYS` makes libc fall back to `clone`, whose flags the deny list
//!   checks (the approach of Docker's and systemd's filters);
//! - on x86-64, `ENOSYS` for every x32 system call (numbers with bit 30 set),
//!   since the list is written in x86-64 numbers. Other architectures (i386
//!   through `int 0x80`) kill the process.

mod program;
#[cfg(test)]
mod tests_equivalence;

use crate::error::SetupError;
use program::Verdict;
use seccompiler::BpfProgram;

/// Namespace flags that `clone` may not carry, with their names.
const NAMESPACE_FLAGS: [(u64, &str); 8] = [
    (libc::CLONE_NEWUSER as u64, "CLONE_NEWUSER"),
    (libc::CLONE_NEWNS as u64, "CLONE_NEWNS"),
    (libc::CLONE_NEWPID as u64, "CLONE_NEWPID"),
    (libc::CLONE_NEWNET as u64, "CLONE_NEWNET"),
    (libc::CLONE_NEWUTS as u64, "CLONE_NEWUTS"),
    (libc::CLONE_NEWIPC as u64, "CLONE_NEWIPC"),
    (libc::CLONE_NEWCGROUP as u64, "CLONE_NEWCGROUP"),
    (0x80, "CLONE_NEWTIME"),
];

/// One entry of the deny list: a system call, denied always or only with
/// certain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeniedSyscall {
    /// The system call's name.
    pub name: &'static str,
    /// Its number on this architecture.
    pub number: i64,
    /// When it is denied: "always", or which arguments.
    pub when: &'static str,
}

macro_rules! always {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), libc::$name)),*]
    };
}

/// System calls denied whatever their arguments.
fn always_denied() -> Vec<(&'static str, i64)> {
    let mut list: Vec<(&'static str, i64)> = always![
        // Kernel modules, kexec, reboot, swap.
        SYS_init_module,
        SYS_finit_module,
        SYS_delete_module,
        SYS_kexec_load,
        SYS_kexec_file_load,
        SYS_reboot,
        SYS_swapon,
        SYS_swapoff,
        // Mounts: the sandbox's are made before the filter goes on.
        SYS_mount,
        SYS_umount2,
        SYS_pivot_root,
        SYS_chroot,
        SYS_move_mount,
        SYS_open_tree,
        SYS_fsopen,
        SYS_fsconfig,
        SYS_fsmount,
        SYS_fspick,
        SYS_mount_setattr,
        // Namespaces (clone's flags below).
        SYS_unshare,
        SYS_setns,
        // Other processes' memory and files.
        SYS_ptrace,
        SYS_process_vm_readv,
        SYS_process_vm_writev,
        SYS_process_madvise,
        SYS_pidfd_getfd,
        SYS_kcmp,
        // Kernel keyrings.
        SYS_keyctl,
        SYS_add_key,
        SYS_request_key,
        // Kernel attack surface without a use in a job.
        SYS_bpf,
        SYS_perf_event_open,
        SYS_userfaultfd,
        SYS_io_uring_setup,
        SYS_io_uring_enter,
        SYS_io_uring_register,
        SYS_fanotify_init,
        SYS_lookup_dcookie,
        SYS_syslog,
        SYS_vhangup,
        // Clocks and host identity.
        SYS_settimeofday,
        SYS_clock_settime,
        SYS_clock_adjtime,
        SYS_sethostname,
        SYS_setdomainname,
        // Accounting, quotas, file handles (open_by_handle_at escapes bind mounts).
        SYS_acct,
        SYS_quotactl,
        SYS_quotactl_fd,
        SYS_open_by_handle_at,
        SYS_name_to_handle_at,
        // Obsolete or hardware-level.
        SYS_uselib,
        SYS__sysctl,
        SYS_nfsservctl,
    ];
    #[cfg(target_arch = "x86_64")]
    list.extend(always![SYS_iopl, SYS_ioperm]);
    list
}

/// What the deny list denies, for documentation and for tests.
pub fn deny_list() -> Vec<DeniedSyscall> {
    let mut list: Vec<DeniedSyscall> = always_denied()
        .into_iter()
        .map(|(name, number)| DeniedSyscall {
            name: name.trim_start_matches("SYS_"),
            number,
            when: "always",
        })
        .collect();
    list.push(DeniedSyscall {
        name: "clone",
        number: libc::SYS_clone,
        when: "with any namespace flag (CLONE_NEWUSER, CLONE_NEWNS, ...)",
    });
    list.push(DeniedSyscall {
        name: "clone3",
        number: libc::SYS_clone3,
        when: "always, as ENOSYS (libc falls back to clone)",
    });
    list.push(DeniedSyscall {
        name: "ioctl",
        number: libc::SYS_ioctl,
        when: "TIOCSTI and TIOCLINUX",
    });
    list.push(DeniedSyscall {
        name: "personality",
        number: libc::SYS_personality,
        when: "other than querying or PER_LINUX/PER_LINUX32 (with UNAME26)",
    });
    list
}

/// The ioctl requests the deny list refuses: typing into, or controlling, the
/// terminal of someone else.
const DENIED_IOCTLS: &[u32] = &[libc::TIOCSTI as u32, 0x541C /* TIOCLINUX */];

/// personality(2) values allowed: querying (0xffffffff), PER_LINUX (0),
/// PER_LINUX32 (8), each also with UNAME26 (0x20000).
const ALLOWED_PERSONALITIES: &[u32] = &[0, 0x0008, 0x0002_0000, 0x0002_0008, 0xffff_ffff];

/// Every listed system call with what it gets.
fn entries() -> Vec<(i64, Verdict)> {
    let mut entries: Vec<(i64, Verdict)> = always_denied()
        .into_iter()
        .map(|(_, number)| (number, Verdict::Errno(libc::EPERM)))
        .collect();
    let namespaces = NAMESPACE_FLAGS
        .iter()
        .fold(0u32, |mask, &(flag, _)| mask | flag as u32);
    entries.extend([
        (libc::SYS_clone, Verdict::ErrnoIfArg0Has(namespaces)),
        (libc::SYS_clone3, Verdict::Errno(libc::ENOSYS)),
        (libc::SYS_ioctl, Verdict::ErrnoIfArg1LowIs(DENIED_IOCTLS)),
        (
            libc::SYS_personality,
            Verdict::ErrnoUnlessArg0Is(ALLOWED_PERSONALITIES),
        ),
    ]);
    entries
}

/// The program installed in every sandbox.
fn program() -> Result<BpfProgram, program::TooLong> {
    program::build(&entries())
}

/// Installs the deny list on the calling thread and, through fork, on every
/// process it starts afterwards. Sets `no_new_privs` first (seccompiler does,
/// as the kernel requires of an unprivileged caller).
pub fn install_deny_list() -> Result<(), SetupError> {
    let program = program().map_err(|error| {
        SetupError::new(
            "build the seccomp filter",
            "/proc/self/status",
            std::io::Error::other(error),
        )
    })?;
    seccompiler::apply_filter(&program).map_err(|error| {
        let source = match error {
            seccompiler::Error::Seccomp(source) | seccompiler::Error::Prctl(source) => source,
            other => std::io::Error::other(other.to_string()),
        };
        SetupError::new("install the seccomp filter", "/proc/self/status", source)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_compiles() {
        assert!(!program().expect("compile").is_empty());
    }

    #[test]
    fn the_list_covers_the_escape_routes() {
        let names: Vec<&str> = deny_list().iter().map(|d| d.name).collect();
        for needed in [
            "init_module",
            "finit_module",
            "kexec_load",
            "reboot",
            "mount",
            "umount2",
            "pivot_root",
            "ptrace",
            "keyctl",
            "add_key",
            "request_key",
            "bpf",
            "perf_event_open",
            "unshare",
            "setns",
            "clone",
            "clone3",
            "swapon",
            "swapoff",
            "settimeofday",
            "clock_settime",
            "acct",
            "quotactl",
            "open_by_handle_at",
            "userfaultfd",
            "lookup_dcookie",
            "io_uring_setup",
        ] {
            assert!(names.contains(&needed), "{needed} missing from {names:?}");
        }
        #[cfg(target_arch = "x86_64")]
        assert!(names.contains(&"iopl") && names.contains(&"ioperm"));
    }

    #[test]
    fn numbers_are_unique() {
        let list = always_denied();
        let mut numbers: Vec<i64> = list.iter().map(|(_, n)| *n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), list.len());
    }
}
