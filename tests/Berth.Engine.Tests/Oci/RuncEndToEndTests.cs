using System.Diagnostics;
using Berth.Core.Interop;
using Berth.Engine.Runtime.Oci;
using Xunit;

namespace Berth.Engine.Tests.Oci;

/// <summary>
/// Builds a busybox rootfs, writes the bundle with <see cref="OciSpecBuilder"/> and runs it
/// with the host's runc: the profile must hold inside a real container, not only in JSON.
/// </summary>
public sealed class RuncEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string Runc = "/usr/sbin/runc";
    private const string Busybox = "/bin/busybox";
    private readonly TempRootfs _fs = new();

    public void Dispose() => _fs.Dispose();

    [Fact]
    public async Task BusyboxUnderRuncSeesDockersDefaultProfile()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root");
        Assert.SkipUnless(File.Exists(Runc), $"needs runc at {Runc} (Debian: runc)");
        Assert.SkipUnless(File.Exists(Busybox), $"needs {Busybox} (Debian: busybox-static)");
        MakeBusyboxRootfs(_fs.Rootfs);

        const string rootScript = """
            grep -E '^(CapEff|Seccomp):' /proc/self/status
            echo "hostname=$(hostname)"
            for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && echo "masked $f=$(wc -c < $f)"; done
            echo "acpi=$(ls /proc/acpi | wc -l)"
            awk '$5=="/proc/sys" {print "procsys=" $6}' /proc/self/mountinfo
            echo "home=$HOME"
            """;
        var root = await RunAsync(new ContainerSpecInput
        {
            Id = "root",
            RootfsPath = _fs.Rootfs,
            Args = ["/bin/sh", "-c", rootScript],
            CgroupsPath = "",
            Config = new() { Env = [], Hostname = "berth-e2e" },
        });
        Assert.Contains("CapEff:\t00000000a80425fb", root);
        Assert.Contains("Seccomp:\t2", root);
        Assert.Contains("hostname=berth-e2e", root);
        // This host's kernel has no /proc/kcore; check it where it exists, and the other masked
        // /proc files that do exist here (non-empty on the host) read as empty.
        foreach (var masked in new[] { "/proc/kcore", "/proc/keys", "/proc/timer_list" }.Where(File.Exists))
            Assert.Contains($"masked {masked}=0\n", root);
        Assert.Contains("acpi=0", root);
        Assert.Matches(@"procsys=ro[,\n]", root);
        Assert.Contains("home=/root", root);

        const string userScript = """
            id
            echo "home=$HOME"
            echo "pwd=$(pwd)"
            grep '^CapEff:' /proc/self/status
            """;
        var user = await RunAsync(new ContainerSpecInput
        {
            Id = "user",
            RootfsPath = _fs.Rootfs,
            Args = ["/bin/sh", "-c", userScript],
            CgroupsPath = "",
            Config = new() { Env = [], Hostname = "berth-e2e", User = "app", WorkingDir = "/home/app/work" },
        });
        Assert.Contains("uid=1000(app) gid=1000(app)", user);
        Assert.Contains("50(staff)", user);
        Assert.Contains("home=/home/app", user);
        Assert.Contains("pwd=/home/app/work", user);
        Assert.Contains("CapEff:\t0000000000000000", user);
        Assert.True(Libc.TryLStat(Path.Combine(_fs.Rootfs, "home/app/work"), out var st));
        Assert.Equal((1000u, 1000u), (st.Uid, st.Gid));
    }

    private async Task<string> RunAsync(ContainerSpecInput input)
    {
        var id = "berth-oci-" + Guid.NewGuid().ToString("N")[..12];
        input = input with { Id = id, CgroupsPath = "/berth-test/" + id };
        var state = Path.Combine(_fs.Dir, "runc-state");
        await OciSpecBuilder.WriteAsync(OciSpecBuilder.Build(input), _fs.Dir, CancellationToken.None);
        try
        {
            var (code, stdout, stderr) = await ExecAsync(Runc, "--root", state, "run", "-b", _fs.Dir, id);
            output.WriteLine($"[{id}] exit {code}\n{stdout}\n{stderr}");
            Assert.True(code == 0, $"runc run exited {code}: {stderr}");
            return stdout;
        }
        finally
        {
            await ExecAsync(Runc, "--root", state, "delete", "--force", id);
            AssertCgroupsRemoved(id);
        }
    }

    /// <summary>runc removes the container's cgroups; the shared parent goes if nobody else uses it.</summary>
    private static void AssertCgroupsRemoved(string id)
    {
        var parents = Directory.EnumerateDirectories("/sys/fs/cgroup")
            .Select(d => Path.Combine(d, "berth-test"))
            .Append("/sys/fs/cgroup/berth-test")
            .Where(Directory.Exists)
            .ToList();
        var leftovers = parents.Select(p => Path.Combine(p, id)).Where(Directory.Exists).ToList();
        foreach (var dir in leftovers) TryRmdir(dir);
        foreach (var dir in parents) TryRmdir(dir); // fails harmlessly while another test's container is in it
        Assert.Empty(leftovers);
    }

    private static void TryRmdir(string dir)
    {
        try { Directory.Delete(dir); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void MakeBusyboxRootfs(string rootfs)
    {
        var bin = Path.Combine(rootfs, "bin");
        Directory.CreateDirectory(bin);
        File.Copy(Busybox, Path.Combine(bin, "busybox"));
        var applets = ExecAsync(Busybox, "--list").GetAwaiter().GetResult().Stdout;
        foreach (var name in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var link = Path.Combine(bin, name);
            if (name != "busybox" && !File.Exists(link)) File.CreateSymbolicLink(link, "busybox");
        }
        Directory.CreateDirectory(Path.Combine(rootfs, "root"));
        Directory.CreateDirectory(Path.Combine(rootfs, "home/app"));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> ExecAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
