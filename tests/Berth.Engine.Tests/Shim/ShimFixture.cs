using Xunit;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Tests.Shim;

/// <summary>
/// Shared for the shim tests: a berth-shim binary (BERTH_SHIM, or the project built once
/// per run, JIT — a NativeAOT publish takes a minute), a busybox root filesystem and a
/// runtime root, all in one temp dir removed at the end.
/// </summary>
public sealed class ShimFixture : IDisposable
{
    public const string Runc = "/usr/sbin/runc";

    public string ShimPath { get; }
    public string Root { get; } = Directory.CreateTempSubdirectory("berth-shim-tests-").FullName;
    public string RootFs => Path.Combine(Root, "rootfs");
    public string RuntimeRoot => Path.Combine(Root, "runc");

    public ShimFixture()
    {
        ShimPath = Environment.GetEnvironmentVariable("BERTH_SHIM") ?? BuildShim();
        BuildRootFs();
    }

    private static string BuildShim()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Berth.slnx"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        var configuration = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
        var project = Path.Combine(dir, "src", "Berth.Shim", "Berth.Shim.csproj");
        var build = Run("dotnet", "build", project, "-c", configuration, "--nologo", "-v", "q");
        if (build.Code != 0) throw new InvalidOperationException($"building berth-shim failed:\n{build.Output}");
        return Path.Combine(dir, "src", "Berth.Shim", "bin", configuration, "net10.0", "berth-shim");
    }

    private void BuildRootFs()
    {
        var bin = Directory.CreateDirectory(Path.Combine(RootFs, "bin")).FullName;
        File.Copy("/bin/busybox", Path.Combine(bin, "busybox"));
        foreach (var applet in Run("/bin/busybox", "--list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (applet != "busybox") File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
        foreach (var d in new[] { "proc", "dev", "sys", "tmp", "etc" }) Directory.CreateDirectory(Path.Combine(RootFs, d));
    }

    /// <summary>A new bundle and options for one container running <paramref name="args"/>.</summary>
    public TestContainer NewContainer(string[] args, bool stdin = false, bool stdinOnce = false, bool tty = false, bool runAtStart = false, int? startTimeoutSeconds = null)
    {
        var id = "berth-shim-test-" + Guid.NewGuid().ToString("N")[..12];
        var dir = Directory.CreateDirectory(Path.Combine(Root, id)).FullName;
        var bundle = Directory.CreateDirectory(Path.Combine(dir, "bundle")).FullName;
        File.WriteAllText(Path.Combine(bundle, "config.json"), OciConfig(args, tty));
        var options = new ShimStartOptions(id, bundle, Runc, RuntimeRoot,
            Path.Combine(dir, "shim.sock"), Path.Combine(dir, "json.log"), Path.Combine(dir, "exit.json"), stdin, stdinOnce, tty,
            runAtStart, startTimeoutSeconds);
        return new TestContainer(this, options, dir);
    }

    private string OciConfig(string[] args, bool tty)
    {
        static JsonObject Mount(string destination, string type, string source, params string[] options) =>
            new() { ["destination"] = destination, ["type"] = type, ["source"] = source, ["options"] = new JsonArray([.. options.Select(o => (JsonNode)o)]) };
        string[] caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_NET_BIND_SERVICE"];
        JsonArray CapList() => new([.. caps.Select(c => (JsonNode)c)]);
        var config = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = tty,
                ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
                ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
                ["env"] = new JsonArray("PATH=/bin", "TERM=xterm"),
                ["cwd"] = "/",
                ["capabilities"] = new JsonObject { ["bounding"] = CapList(), ["effective"] = CapList(), ["permitted"] = CapList() },
                ["noNewPrivileges"] = true,
            },
            ["root"] = new JsonObject { ["path"] = RootFs, ["readonly"] = false },
            ["hostname"] = "shimtest",
            ["mounts"] = new JsonArray(
                Mount("/proc", "proc", "proc"),
                Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"),
                Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro")),
            ["linux"] = new JsonObject
            {
                ["namespaces"] = new JsonArray(
                    new JsonObject { ["type"] = "pid" }, new JsonObject { ["type"] = "network" },
                    new JsonObject { ["type"] = "ipc" }, new JsonObject { ["type"] = "uts" },
                    new JsonObject { ["type"] = "mount" }),
            },
        };
        return config.ToJsonString();
    }

    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One test's container: its options and files; disposing force-deletes it (the shim then exits on its own).</summary>
public sealed class TestContainer(ShimFixture fixture, ShimStartOptions options, string dir) : IDisposable
{
    public ShimStartOptions Options { get; } = options;

    public string ReadLog() => File.Exists(Options.LogPath) ? File.ReadAllText(Options.LogPath) : "";

    public void Dispose()
    {
        ShimFixture.Run(ShimFixture.Runc, "--root", fixture.RuntimeRoot, "delete", "--force", Options.ContainerId);
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
