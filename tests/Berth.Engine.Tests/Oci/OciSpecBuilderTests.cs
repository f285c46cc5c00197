using System.Text.Json;
using Berth.Core.Errors;
using Berth.Engine.Runtime.Oci;
using Xunit;

namespace Berth.Engine.Tests.Oci;

public sealed class OciSpecBuilderTests : IDisposable
{
    private static readonly OciHostInfo V1Host = new(CgroupV2: false, KernelMajor: 6, KernelMinor: 1, NofileHardLimit: 20000, LastCap: 40);
    private readonly TempRootfs _fs = new();

    public void Dispose() => _fs.Dispose();

    private ContainerSpecInput Input(Func<ContainerSpecInput, ContainerSpecInput>? change = null)
    {
        var input = new ContainerSpecInput
        {
            Id = "c0ffee",
            RootfsPath = _fs.Rootfs,
            Args = ["/bin/sh", "-c", "true"],
            CgroupsPath = "/berth/c0ffee",
            Config = new() { Env = [], Hostname = "c0ffee" },
        };
        return change is null ? input : change(input);
    }

    private RuntimeSpec Build(Func<ContainerSpecInput, ContainerSpecInput>? change = null, OciHostInfo? host = null) =>
        OciSpecBuilder.Build(Input(change), host ?? V1Host);

    private static bool Allows(RuntimeSeccomp s, string syscall) =>
        s.Syscalls!.Any(r => r.Action == "SCMP_ACT_ALLOW" && r.Args is null && r.Names.Contains(syscall));

    [Fact]
    public void DefaultCapabilitiesAreDockers14InBoundingEffectivePermitted()
    {
        var caps = Build().Process.Capabilities!;
        Assert.Equal(Capabilities.Default, caps.Bounding);
        Assert.Equal(Capabilities.Default, caps.Effective);
        Assert.Equal(Capabilities.Default, caps.Permitted);
        Assert.Null(caps.Inheritable);
        Assert.Null(caps.Ambient);
        Assert.Equal(0xa80425fbUL, Capabilities.ToMask(caps.Effective!));
    }

    [Fact]
    public void NonRootUsersGetOnlyTheBoundingSet()
    {
        var caps = Build(i => i with { Config = i.Config with { User = "app" } }).Process.Capabilities!;
        Assert.Equal(Capabilities.Default, caps.Bounding);
        Assert.Null(caps.Effective);
        Assert.Null(caps.Permitted);
    }

    [Fact]
    public void CapAddAndCapDropAcceptAnyCaseAndTheCAPPrefix()
    {
        var caps = Build(i => i with { Host = i.Host with { CapAdd = ["sys_admin", "CAP_NET_ADMIN"], CapDrop = ["chown", "Cap_Kill"] } }).Process.Capabilities!.Bounding!;
        Assert.Contains("CAP_SYS_ADMIN", caps);
        Assert.Contains("CAP_NET_ADMIN", caps);
        Assert.DoesNotContain("CAP_CHOWN", caps);
        Assert.DoesNotContain("CAP_KILL", caps);
        Assert.Equal(14, caps.Count);
    }

    [Fact]
    public void CapDropALLKeepsOnlyCapAddAndCapAddALLGivesEverythingButCapDrop()
    {
        Assert.Equal(["CAP_NET_BIND_SERVICE"], Build(i => i with { Host = i.Host with { CapDrop = ["ALL"], CapAdd = ["net_bind_service"] } }).Process.Capabilities!.Bounding);
        Assert.Empty(Build(i => i with { Host = i.Host with { CapDrop = ["all"] } }).Process.Capabilities!.Bounding!);
        var all = Build(i => i with { Host = i.Host with { CapAdd = ["ALL"], CapDrop = ["SYS_ADMIN"] } }).Process.Capabilities!.Bounding!;
        Assert.Equal(40, all.Count);
        Assert.DoesNotContain("CAP_SYS_ADMIN", all);
    }

    [Fact]
    public void UnknownOrUnsupportedCapabilitiesAreRejected()
    {
        var e = Assert.Throws<InvalidParameterException>(() => Build(i => i with { Host = i.Host with { CapAdd = ["FOO"] } }));
        Assert.Equal("unknown capability: \"CAP_FOO\"", e.Message);
        Assert.Throws<InvalidParameterException>(() => Build(i => i with { Host = i.Host with { CapAdd = ["BPF"] } }, V1Host with { LastCap = 37 }));
    }

    [Fact]
    public void PrivilegedGetsAllCapsNoSeccompNoMaskingRwSysAndAllDevices()
    {
        var s = Build(i => i with { Host = i.Host with { Privileged = true } });
        Assert.Equal(Capabilities.All, s.Process.Capabilities!.Bounding);
        Assert.Null(s.Linux.Seccomp);
        Assert.Null(s.Linux.MaskedPaths);
        Assert.Null(s.Linux.ReadonlyPaths);
        Assert.DoesNotContain("ro", s.Mounts.Single(m => m.Destination == "/sys").Options!);
        Assert.DoesNotContain("ro", s.Mounts.Single(m => m.Destination == "/sys/fs/cgroup").Options!);
        Assert.Equal([new RuntimeDeviceRule(true, Access: "rwm")], s.Linux.Resources!.Devices);
        Assert.Contains(s.Linux.Devices!, d => d.Path == "/dev/null" && d.Type == "c" && d.Major == 1 && d.Minor == 3);
        Assert.DoesNotContain(s.Linux.Devices!, d => d.Path.StartsWith("/dev/pts/", StringComparison.Ordinal));
    }

    [Fact]
    public void EnvironmentDefaultsAndPrecedenceFollowDocker()
    {
        var s = Build(i => i with { Config = i.Config with { Tty = true, Env = ["FOO=bar", "PATH=/custom", "HOSTNAME=mine"] } });
        Assert.Equal(["PATH=/custom", "HOSTNAME=mine", "TERM=xterm", "FOO=bar", "HOME=/root"], s.Process.Env);
        Assert.True(s.Process.Terminal);

        var noTty = Build(i => i with { Config = i.Config with { User = "app", Env = ["HOME=/h", "TERM"] } });
        Assert.Equal([OciDefaults.PathEnv, "HOSTNAME=c0ffee", "HOME=/h"], noTty.Process.Env);

        Assert.Equal("HOME=/", Build(i => i with { Config = i.Config with { User = "4242" } }).Process.Env[^1]);
        Assert.Equal(["HOSTNAME=c0ffee", "HOME=/root"], Build(i => i with { Config = i.Config with { Env = ["PATH"] } }).Process.Env);
    }

    [Fact]
    public void MaskedAndReadonlyPathsAreDockers()
    {
        var s = Build();
        Assert.Contains("/proc/kcore", s.Linux.MaskedPaths!);
        Assert.Contains("/sys/firmware", s.Linux.MaskedPaths!);
        Assert.Equal(11, s.Linux.MaskedPaths!.Count);
        Assert.Equal(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], s.Linux.ReadonlyPaths);
        Assert.Empty(Build(i => i with { Host = i.Host with { MaskedPaths = [] } }).Linux.MaskedPaths!);
    }

    [Fact]
    public void SeccompRulesFollowTheCapabilitySet()
    {
        var plain = Build().Linux.Seccomp!;
        Assert.Equal("SCMP_ACT_ERRNO", plain.DefaultAction);
        Assert.Equal(1u, plain.DefaultErrnoRet);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], plain.Architectures);
        Assert.False(Allows(plain, "mount"));
        Assert.False(Allows(plain, "ptrace") && Allows(plain, "reboot"));
        Assert.True(Allows(plain, "read"));
        Assert.True(Allows(plain, "arch_prctl"));                     // includes.arches amd64
        Assert.False(Allows(plain, "s390_runtime_instr"));
        Assert.Contains(plain.Syscalls!, r => r.Names.SequenceEqual(["clone3"]) && r.Action == "SCMP_ACT_ERRNO" && r.ErrnoRet == 38);

        var admin = Build(i => i with { Host = i.Host with { CapAdd = ["SYS_ADMIN"] } }).Linux.Seccomp!;
        Assert.True(Allows(admin, "mount"));
        Assert.True(Allows(admin, "clone3"));
        Assert.DoesNotContain(admin.Syscalls!, r => r.Names.SequenceEqual(["clone3"]) && r.Action == "SCMP_ACT_ERRNO");

        var oldKernel = Build(host: V1Host with { KernelMajor = 4, KernelMinor = 4 }).Linux.Seccomp!;
        Assert.False(Allows(oldKernel, "ptrace"));                    // minKernel 4.8
        Assert.True(Allows(plain, "ptrace"));
    }

    [Fact]
    public void SecurityOptions()
    {
        Assert.Null(Build(i => i with { Host = i.Host with { SecurityOpt = ["seccomp=unconfined"] } }).Linux.Seccomp);
        Assert.Null(Build(i => i with { Host = i.Host with { SecurityOpt = ["seccomp:unconfined"] } }).Linux.Seccomp);
        Assert.True(Build(i => i with { Host = i.Host with { SecurityOpt = ["no-new-privileges"] } }).Process.NoNewPrivileges);
        Assert.True(Build(i => i with { Host = i.Host with { SecurityOpt = ["no-new-privileges=true"] } }).Process.NoNewPrivileges);
        Assert.False(Build().Process.NoNewPrivileges);
        var custom = Build(i => i with { Host = i.Host with { SecurityOpt = ["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chmod\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"] } }).Linux.Seccomp!;
        Assert.Equal("SCMP_ACT_ALLOW", custom.DefaultAction);
        Assert.Equal(["chmod"], custom.Syscalls!.Single().Names);
        var e = Assert.Throws<InvalidParameterException>(() => Build(i => i with { Host = i.Host with { SecurityOpt = ["bogus"] } }));
        Assert.Equal("invalid --security-opt 1: \"bogus\"", e.Message);
    }

    [Fact]
    public void NamespacesNetworkPathAndCgroupnsOnV2Only()
    {
        var v1 = Build();
        Assert.Equal(["mount", "network", "uts", "pid", "ipc"], v1.Linux.Namespaces.Select(n => n.Type));
        Assert.All(v1.Linux.Namespaces, n => Assert.Null(n.Path));

        var v2 = Build(i => i with { NetworkNamespacePath = "/run/berth/netns/x" }, V1Host with { CgroupV2 = true });
        Assert.Equal("cgroup", v2.Linux.Namespaces[^1].Type);
        Assert.Equal("/run/berth/netns/x", v2.Linux.Namespaces.Single(n => n.Type == "network").Path);
    }

    [Fact]
    public void MountsResourcesRlimitsAndSysctls()
    {
        var s = Build(i => i with
        {
            Mounts = [new("/h/a/b", "/data/sub"), new("/h/a", "/data", ReadOnly: true), new("/h/hosts", "/etc/hosts", Propagation: "rslave")],
            Host = i.Host with
            {
                ShmSize = 1 << 20, Memory = 1 << 26, MemorySwap = 1 << 27, CpuShares = 512, NanoCpus = 1_500_000_000, PidsLimit = 100,
                Sysctls = new Dictionary<string, string> { ["net.ipv4.ip_unprivileged_port_start"] = "1024" },
            },
        });
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/data", "/data/sub", "/etc/hosts"], s.Mounts.Select(m => m.Destination));
        Assert.Equal(["nosuid", "noexec", "nodev", "mode=1777", "size=1048576"], s.Mounts[6].Options);
        Assert.Equal(["rbind", "ro", "rprivate"], s.Mounts[7].Options);
        Assert.Equal("rslave", s.Linux.RootfsPropagation);
        var r = s.Linux.Resources!;
        Assert.Equal((1L << 26, 1L << 27), (r.Memory!.Limit, r.Memory.Swap));
        Assert.Equal((512UL, 150_000L, 100_000UL), (r.Cpu!.Shares, r.Cpu.Quota, r.Cpu.Period));
        Assert.Equal(100, r.Pids!.Limit);
        Assert.Equal(new RuntimeDeviceRule(false, Access: "rwm"), r.Devices![0]);
        Assert.Contains(new RuntimeDeviceRule(true, "c", 136, null, "rwm"), r.Devices);
        Assert.Equal([new RuntimeRlimit("RLIMIT_NOFILE", 20000, 20000)], s.Process.Rlimits);
        Assert.Equal("1024", s.Linux.Sysctl!["net.ipv4.ip_unprivileged_port_start"]);
        Assert.Equal("/berth/c0ffee", s.Linux.CgroupsPath);
        Assert.Equal(0, s.Process.OomScoreAdj);
        Assert.Null(s.Process.ApparmorProfile);

        var userDev = Build(i => i with { Mounts = [new("/h/dev", "/dev")] });
        Assert.DoesNotContain(userDev.Mounts, m => m.Destination.StartsWith("/dev/", StringComparison.Ordinal));
    }

    [Fact]
    public void UserWorkdirAndRoot()
    {
        var s = Build(i => i with { Config = i.Config with { User = "app", WorkingDir = "/srv//app/" }, Host = i.Host with { GroupAdd = ["tty"], ReadonlyRootfs = true } });
        Assert.Equal((1000u, 1000u), (s.Process.User.Uid, s.Process.User.Gid));
        Assert.Equal([1000u, 50u, 999u, 5u], s.Process.User.AdditionalGids);
        Assert.Equal("/srv/app", s.Process.Cwd);
        Assert.True(Directory.Exists(Path.Combine(_fs.Rootfs, "srv/app")));
        Assert.Equal(new RuntimeRoot(_fs.Rootfs, true), s.Root);
        Assert.Equal("/", Build().Process.Cwd);
        Assert.Throws<InvalidParameterException>(() => Build(i => i with { Config = i.Config with { WorkingDir = "rel" } }));
        Assert.Throws<InvalidParameterException>(() => Build(i => i with { Args = [] }));
    }

    [Fact]
    public void JsonUsesTheSpecNamesOmitsNullsAndHasTheRequiredFields()
    {
        var json = JsonDocument.Parse(OciSpecBuilder.Serialize(Build(i => i with { Config = i.Config with { Tty = true }, Host = i.Host with { Memory = 1 << 26 } })));
        var root = json.RootElement;
        Assert.Equal("1.0.2", root.GetProperty("ociVersion").GetString());
        Assert.Equal(_fs.Rootfs, root.GetProperty("root").GetProperty("path").GetString());
        var process = root.GetProperty("process");
        Assert.Equal("/", process.GetProperty("cwd").GetString());
        Assert.Equal(JsonValueKind.Number, process.GetProperty("user").GetProperty("uid").ValueKind);
        Assert.True(process.GetProperty("terminal").GetBoolean());
        Assert.Equal(0, process.GetProperty("oomScoreAdj").GetInt32());
        Assert.False(process.TryGetProperty("apparmorProfile", out _));
        Assert.All(root.GetProperty("mounts").EnumerateArray(), m => Assert.True(m.TryGetProperty("destination", out _)));
        var linux = root.GetProperty("linux");
        Assert.True(linux.GetProperty("maskedPaths").GetArrayLength() > 0);
        Assert.True(linux.GetProperty("readonlyPaths").GetArrayLength() > 0);
        Assert.Equal(1 << 26, linux.GetProperty("resources").GetProperty("memory").GetProperty("limit").GetInt64());
        var deny = linux.GetProperty("resources").GetProperty("devices")[0];
        Assert.False(deny.TryGetProperty("major", out _));
        foreach (var rule in linux.GetProperty("seccomp").GetProperty("syscalls").EnumerateArray())
        {
            Assert.True(rule.GetProperty("names").GetArrayLength() > 0);
            Assert.True(rule.TryGetProperty("action", out _));
            Assert.False(rule.TryGetProperty("includes", out _));
        }
        Assert.All(linux.GetProperty("namespaces").EnumerateArray(), n => Assert.False(n.TryGetProperty("path", out _)));
    }

    [Fact]
    public async Task WriteAsyncReplacesConfigJsonAtomically()
    {
        var spec = Build();
        await OciSpecBuilder.WriteAsync(spec, _fs.Dir, CancellationToken.None);
        await OciSpecBuilder.WriteAsync(spec, _fs.Dir, CancellationToken.None);
        Assert.Equal(OciSpecBuilder.Serialize(spec), await File.ReadAllBytesAsync(Path.Combine(_fs.Dir, "config.json"), TestContext.Current.CancellationToken));
        Assert.Equal(["config.json", "rootfs"], Directory.EnumerateFileSystemEntries(_fs.Dir).Select(Path.GetFileName).Order());
    }
}
