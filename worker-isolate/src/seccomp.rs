//! The seccomp deny list of every sandbox, built with seccompiler.
//!
//! Everything not listed is allowed: the list takes away what an unprivileged
//! process should never need and what has been the way out of containers
//! (kernel attack surface reachable without capabilities: io_uring, bpf,
//! userfaultfd, perf, keyrings, new namespaces). Most of it also needs
//! capabilities the job does not have; the filter is the second wall.
//!
//! Three filters are installed, all evaluated on every system call:
//! - the deny list, answering `EPERM`;
//! - `clone3` answering `ENOSYS`: its flags sit in memory a filter cannot
//!   read, and `ENOSYS` makes libc fall back to `clone`, whose flags the deny
//!   list checks (the approach of Docker's and systemd's filters);
//! - on x86-64, every x32 system call (numbers with bit 30 set) answering
//!   `ENOSYS`, since the deny list is written in x86-64 numbers. Other
//!   architectures (i386 through `int 0x80`) are killed by seccompiler's
//!   architecture check.

use crate::error::SetupError;
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::BTreeMap;

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

fn condition(
    arg: u8,
    op: SeccompCmpOp,
    value: u64,
) -> Result<SeccompCondition, seccompiler::BackendError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
}

/// Every rule of the deny list, by system call number.
fn deny_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, seccompiler::BackendError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = always_denied()
        .into_iter()
        .map(|(_, number)| (number, Vec::new()))
        .collect();
    // clone(flags, ...) with any namespace flag: one rule per flag (rules are ORed).
    let clone_rules = NAMESPACE_FLAGS
        .iter()
        .map(|&(flag, _)| SeccompRule::new(vec![condition(0, SeccompCmpOp::MaskedEq(flag), flag)?]))
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_clone, clone_rules);
    // ioctl(fd, TIOCSTI) pushes input into a terminal; TIOCLINUX too on consoles.
    let ioctl_rules = [libc::TIOCSTI, 0x541C /* TIOCLINUX */]
        .into_iter()
        .map(|request| {
            SeccompRule::new(vec![SeccompCondition::new(
                1,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Eq,
                request,
            )?])
        })
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_ioctl, ioctl_rules);
    // personality: only querying and the plain Linux personalities, so that
    // READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE cannot weaken the job's memory layout.
    rules.insert(
        libc::SYS_personality,
        vec![SeccompRule::new(vec![
            condition(0, SeccompCmpOp::Ne, 0)?,
            condition(0, SeccompCmpOp::Ne, 0x0008)?,
            condition(0, SeccompCmpOp::Ne, 0x0002_0000)?,
            condition(0, SeccompCmpOp::Ne, 0x0002_0008)?,
            condition(0, SeccompCmpOp::Ne, 0xffff_ffff)?,
        ])?],
    );
    Ok(rules)
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

fn target_arch() -> Result<TargetArch, seccompiler::BackendError> {
    TargetArch::try_from(std::env::consts::ARCH)
}

fn compile(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    errno: i32,
) -> Result<BpfProgram, seccompiler::Error> {
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        target_arch()?,
    )?;
    Ok(filter.try_into()?)
}

/// The three programs, in the order they are installed.
pub(crate) fn programs() -> Result<Vec<BpfProgram>, seccompiler::Error> {
    let mut programs = vec![
        compile(deny_rules()?, libc::EPERM)?,
        compile(
            BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
            libc::ENOSYS,
        )?,
    ];
    #[cfg(target_arch = "x86_64")]
    programs.push(x32_guard());
    Ok(programs)
}

/// A hand-written program: on x86-64, any system call number with the x32
/// bit set gets `ENOSYS`; anything else is allowed (and left to the others).
#[cfg(target_arch = "x86_64")]
fn x32_guard() -> BpfProgram {
    use seccompiler::sock_filter;
    const AUDIT_ARCH_X86_64: u32 = 62 | 0x8000_0000 | 0x4000_0000;
    const X32_SYSCALL_BIT: u32 = 0x4000_0000;
    let stmt = |code: u32, k: u32| sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |code: u32, k: u32, jt: u8, jf: u8| sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    };
    let (ld_abs, jeq_k, jge_k, ret_k) = (
        libc::BPF_LD | libc::BPF_W | libc::BPF_ABS,
        libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K,
        libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K,
        libc::BPF_RET | libc::BPF_K,
    );
    vec![
        // seccomp_data: nr at offset 0, arch at offset 4.
        stmt(ld_abs, 4),
        jump(jeq_k, AUDIT_ARCH_X86_64, 0, 2),
        stmt(ld_abs, 0),
        jump(jge_k, X32_SYSCALL_BIT, 1, 0),
        stmt(ret_k, libc::SECCOMP_RET_ALLOW),
        stmt(
            ret_k,
            libc::SECCOMP_RET_ERRNO | (libc::ENOSYS as u32 & libc::SECCOMP_RET_DATA),
        ),
    ]
}

/// Installs the deny list on the calling thread and, through fork, on every
/// process it starts afterwards. Sets `no_new_privs` first (seccompiler does,
/// as the kernel requires of an unprivileged caller).
pub fn install_deny_list() -> Result<(), SetupError> {
    let programs = programs().map_err(|error| {
        SetupError::new(
            "build the seccomp filter",
            "/proc/self/status",
            std::io::Error::other(error.to_string()),
        )
    })?;
    for program in &programs {
        seccompiler::apply_filter(program).map_err(|error| {
            let source = match error {
                seccompiler::Error::Seccomp(source) | seccompiler::Error::Prctl(source) => source,
                other => std::io::Error::other(other.to_string()),
            };
            SetupError::new("install the seccomp filter", "/proc/self/status", source)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_compile() {
        let programs = programs().expect("compile");
        assert!(programs.iter().all(|p| !p.is_empty()));
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
