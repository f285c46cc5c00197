using System.Diagnostics;
using System.Text.Json;
using Berth.Cli.Commands.Containers;
using Berth.Core.CommandLine;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;
using Xunit;

namespace Berth.Cli.Tests;

/// <summary>run/create flags into the create request, as docker CLI 28's opts.parse makes it.</summary>
public class ContainerOptionsTests
{
    private static FlagSet Parse(params string[] args)
    {
        var f = new FlagSet();
        ContainerOptions.Define(f);
        return f.Parse([.. args, "busybox"], interspersed: false);
    }

    private static HostConfig Host(params string[] args) => ContainerOptions.Build(Parse(args), attach: false, _ => null).HostConfig!;

    [Fact]
    public void ResourceFlags()
    {
        var h = Host("-m", "16m", "--memory-swap", "-1", "--memory-reservation", "512k", "--cpus", "0.5", "-c", "512",
            "--pids-limit", "100", "--shm-size", "1.5g", "--oom-score-adj=-500");
        Assert.Equal(16L << 20, h.Memory);
        Assert.Equal(-1, h.MemorySwap);
        Assert.Equal(512L << 10, h.MemoryReservation);
        Assert.Equal(500_000_000, h.NanoCpus);
        Assert.Equal(512, h.CpuShares);
        Assert.Equal(100, h.PidsLimit);
        Assert.Equal(1610612736, h.ShmSize);
        Assert.Equal(-500, h.OomScoreAdj);
    }

    [Fact]
    public void ShortAndGluedForms()
    {
        var h = Host("-m1g", "-c=0x400", "--memory-swap=2g", "--pids-limit=-1");
        Assert.Equal((1L << 30, 1024, 2L << 30, -1L), (h.Memory, h.CpuShares, h.MemorySwap, h.PidsLimit!.Value));
    }

    [Fact]
    public void UnsetFlagsAreSentAsDockerSendsThem()
    {
        var h = Host();
        Assert.Equal((0L, 0L, 0L, 0L, 0L, 0L, 0), (h.Memory, h.MemorySwap, h.MemoryReservation, h.NanoCpus, h.CpuShares, h.ShmSize, h.OomScoreAdj));
        Assert.Null(h.PidsLimit);
        Assert.Null(h.CapAdd);
        Assert.Null(h.CapDrop);
        Assert.Null(h.SecurityOpt);
        Assert.Null(h.ExtraHosts);
        Assert.Null(h.GroupAdd);
        Assert.Null(h.Mounts);
        Assert.Null(h.MaskedPaths);
        Assert.Empty(h.Ulimits!);
        var json = JsonSerializer.Serialize(h, EngineJson.Context.HostConfig);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var list in new[] { "Dns", "DnsOptions", "DnsSearch", "Ulimits" })
        {
            Assert.Equal(0, root.GetProperty(list).GetArrayLength());
        }
        Assert.Equal(JsonValueKind.Null, root.GetProperty("PidsLimit").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("CapAdd").ValueKind);
        Assert.False(root.TryGetProperty("Mounts", out _));
        Assert.False(root.TryGetProperty("Sysctls", out _));
    }

    [Fact]
    public void SecurityAndNetworkLists()
    {
        var h = Host("--cap-add", "NET_ADMIN", "--cap-add=sys_time", "--cap-drop", "ALL", "--group-add", "audio", "--group-add", "1234",
            "--security-opt", "no-new-privileges", "--security-opt", "label=disable",
            "--dns", "8.8.8.8", "--dns", "2001:4860:4860:0:0:0:0:8888", "--dns-option", "ndots:2", "--dns-opt", "timeout:1",
            "--dns-search", "example.com.", "--add-host", "db=10.0.0.2", "--add-host", "v6:[::1]");
        Assert.Equal(["NET_ADMIN", "sys_time"], h.CapAdd);
        Assert.Equal(["ALL"], h.CapDrop);
        Assert.Equal(["audio", "1234"], h.GroupAdd);
        Assert.Equal(["no-new-privileges", "label=disable"], h.SecurityOpt);
        Assert.Equal(["8.8.8.8", "2001:4860:4860::8888"], h.Dns);
        Assert.Equal(["ndots:2", "timeout:1"], h.DnsOptions);
        Assert.Equal(["example.com"], h.DnsSearch);
        Assert.Equal(["db:10.0.0.2", "v6:::1"], h.ExtraHosts);
    }

    [Fact]
    public void SystemPathsUnconfinedEmptiesMaskedAndReadonlyPaths()
    {
        var h = Host("--security-opt", "systempaths=unconfined");
        Assert.Empty(h.SecurityOpt!);
        Assert.Empty(h.MaskedPaths!);
        Assert.Empty(h.ReadonlyPaths!);
    }

    [Fact]
    public void SysctlsUlimitsAndMounts()
    {
        var h = Host("--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.shmmax=1024", "--sysctl", "net.ipv4.ip_forward=0",
            "--ulimit", "nproc=10:20", "--ulimit", "nofile=100", "--ulimit", "nproc=5",
            "--mount", "type=bind,src=/srv,dst=/data,readonly", "--mount", "type=bind,source=/etc/hosts,target=/h,bind-propagation=rslave");
        Assert.Equal(new Dictionary<string, string> { ["net.ipv4.ip_forward"] = "0", ["kernel.shmmax"] = "1024" }, h.Sysctls);
        Assert.Equal([new Ulimit { Name = "nofile", Soft = 100, Hard = 100 }, new Ulimit { Name = "nproc", Soft = 5, Hard = 5 }], h.Ulimits);
        Assert.Equal(
            [
                new Mount { Type = "bind", Source = "/srv", Target = "/data", ReadOnly = true },
                new Mount { Type = "bind", Source = "/etc/hosts", Target = "/h", BindOptions = new BindOptions { Propagation = "rslave" } },
            ],
            h.Mounts);
        var json = JsonSerializer.Serialize(h, EngineJson.Context.HostConfig);
        Assert.Contains("\"Ulimits\":[{\"Name\":\"nofile\",\"Hard\":100,\"Soft\":100},{\"Name\":\"nproc\",\"Hard\":5,\"Soft\":5}]", json);
        Assert.Contains("\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv\",\"Target\":\"/data\",\"ReadOnly\":true},", json);
    }

    [Theory]
    [InlineData("-m", "x", "invalid argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'")]
    [InlineData("--memory-swap", "-2", "invalid argument \"-2\" for \"--memory-swap\" flag: invalid size: '-2'")]
    [InlineData("--memory-reservation", "1q", "invalid argument \"1q\" for \"--memory-reservation\" flag: invalid size: '1q'")]
    [InlineData("--shm-size", "64mm", "invalid argument \"64mm\" for \"--shm-size\" flag: invalid size: '64mm'")]
    [InlineData("--cpus", "x", "invalid argument \"x\" for \"--cpus\" flag: failed to parse x as a rational number")]
    [InlineData("--cpus", "0.0000000001", "invalid argument \"0.0000000001\" for \"--cpus\" flag: value is too precise")]
    [InlineData("-c", "1k", "invalid argument \"1k\" for \"-c, --cpu-shares\" flag: strconv.ParseInt: parsing \"1k\": invalid syntax")]
    [InlineData("--pids-limit", "9223372036854775808", "invalid argument \"9223372036854775808\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"9223372036854775808\": value out of range")]
    [InlineData("--oom-score-adj", "x", "invalid argument \"x\" for \"--oom-score-adj\" flag: strconv.ParseInt: parsing \"x\": invalid syntax")]
    [InlineData("--dns", "8.8.8", "invalid argument \"8.8.8\" for \"--dns\" flag: IP address is not correctly formatted: 8.8.8")]
    [InlineData("--dns-search", "a_b", "invalid argument \"a_b\" for \"--dns-search\" flag: a_b is not a valid domain")]
    [InlineData("--add-host", "db", "invalid argument \"db\" for \"--add-host\" flag: bad format for add-host: \"db\"")]
    [InlineData("--sysctl", "vm.swappiness=1", "invalid argument \"vm.swappiness=1\" for \"--sysctl\" flag: sysctl 'vm.swappiness=1' is not allowed")]
    [InlineData("--ulimit", "nofile", "invalid argument \"nofile\" for \"--ulimit\" flag: invalid ulimit argument: nofile")]
    [InlineData("--mount", "type=bind,src=/a", "invalid argument \"type=bind,src=/a\" for \"--mount\" flag: target is required")]
    [InlineData("--mount", "type=bind,\"src=/a", "invalid argument \"type=bind,\\\"src=/a\" for \"--mount\" flag: parse error on line 1, column 18: extraneous or missing \" in quoted-field")]
    public void BadValuesAreFlagErrors(string flag, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => Parse(flag, value));
        Assert.Equal((message, 125), (e.Message, e.ExitCode));
    }

    [Fact]
    public void BadSecurityOptIsAnOptionsError()
    {
        var f = Parse("--security-opt", "seccomp");
        var e = Assert.Throws<UsageException>(() => ContainerOptions.Build(f, attach: false, _ => null));
        Assert.Equal(("invalid --security-opt: \"seccomp\"", 125), (e.Message, e.ExitCode));
    }

    private static (int Code, string Out, string Err) Berth(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "berth"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["BERTH_HOST"] = "unix:///nonexistent/berth-test.sock" },
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Theory]
    [InlineData("run", "-m", "x", "invalid argument \"x\" for \"-m, --memory\" flag: invalid size: 'x'")]
    [InlineData("create", "--cpus", "1/3", "invalid argument \"1/3\" for \"--cpus\" flag: value is too precise")]
    [InlineData("run", "--ulimit", "nofile=2:1", "invalid argument \"nofile=2:1\" for \"--ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: 2 > 1")]
    public void BadValueExitsWithDockersUsageError(string command, string flag, string value, string message)
    {
        var (code, stdout, stderr) = Berth(command, flag, value, "busybox");
        Assert.Equal(125, code);
        Assert.Equal("", stdout);
        Assert.Equal($"{message}\n\nUsage:  berth {command} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth {command} --help' for more information\n", stderr);
    }

    [Fact]
    public void BadSecurityOptExitsWithDockersOptionsError()
    {
        var (code, _, stderr) = Berth("run", "--security-opt", "label", "busybox");
        Assert.Equal(125, code);
        Assert.Equal("berth: invalid --security-opt: \"label\"\n\nRun 'berth run --help' for more information\n", stderr);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("create")]
    public void HelpListsTheFlags(string command)
    {
        var (code, stdout, _) = Berth(command, "--help");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        foreach (var flag in new[]
                 {
                     "-m, --memory bytes", "    --memory-swap bytes", "    --memory-reservation bytes", "    --cpus decimal",
                     "-c, --cpu-shares int", "    --pids-limit int", "    --cap-add list", "    --cap-drop list", "    --security-opt list",
                     "    --dns list", "    --dns-option list", "    --dns-search list", "    --add-host list", "    --shm-size bytes",
                     "    --sysctl map", "    --group-add list", "    --mount mount", "    --oom-score-adj int", "    --ulimit ulimit",
                 })
        {
            Assert.Single(lines, l => l.StartsWith("  " + flag + " ", StringComparison.Ordinal));
        }
        Assert.DoesNotContain("dns-opt ", stdout);
        // One column for the help texts.
        var column = lines.Where(l => l.StartsWith("  -", StringComparison.Ordinal) || l.StartsWith("      --", StringComparison.Ordinal))
            .Select(l => l.IndexOf("  ", 6, StringComparison.Ordinal) + l[l.IndexOf("  ", 6, StringComparison.Ordinal)..].TakeWhile(c => c == ' ').Count())
            .Distinct();
        Assert.Single(column);
    }
}
