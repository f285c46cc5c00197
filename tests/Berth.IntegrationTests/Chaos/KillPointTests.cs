using System.Diagnostics;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests.Chaos;

/// <summary>
/// berthd is killed with SIGKILL at deterministic points (just before and just after each
/// runtime call, and at named crash points inside its own operations), restarted, and the host
/// is checked against what berthd says: every container's state is true, nothing runs without
/// a record, --rm containers are gone, `rm -f` leaves no process, shim, runtime state, cgroup or
/// mount, and no blob or layer outlives the images and containers that held it.
/// </summary>
public sealed class KillPointTests
{
    /// <summary>
    /// Named crash points inside berthd (src: CrashPoints.Reach), each armed at its 1st, 2nd, …
    /// hit until the scenario no longer reaches it.
    /// </summary>
    private static readonly string[] NamedPoints =
    [
        "start.after-intent", "start.after-launch", "start.after-record", "exit.after-record",
        "restart.before-launch", "autoremove.before-remove", "remove.after-marking", "remove.before-files",
        "remove.before-record", "content.after-commit", "layer.after-commit", "image.before-publish", "image.after-publish",
        "rmi.after-untag", "gc.after-blob-delete", "gc.after-layer-detach",
    ];

    /// <summary>Hits of one named point tried, at most (a blob commit is reached dozens of times).</summary>
    private const int MaxHitsPerPoint = 6;

    [Fact]
    public async Task EveryKillPointLeavesATrueState()
    {
        var clock = Stopwatch.StartNew();
        await using var daemon = new BerthDaemon();
        var chaos = new ChaosRuntime(Path.Combine(daemon.Root, "chaos"));
        daemon.ExtraArgs.AddRange(["--runtime", chaos.Path]);
        var runtimeRoot = Path.Combine(daemon.ExecRoot, "runtime");
        await using var registry = await RegistryServer.StartBerthAsync();
        var scenario = new Scenario(daemon, registry.Address);

        await StartAsync(daemon, chaos, crashAt: null);
        await daemon.ImportBusyboxAsync("busybox:latest");

        // The scenario once without a crash: it must pass, and tells how many runtime calls it makes.
        chaos.Reset();
        var failure = await scenario.RunAsync();
        Assert.True(failure is null, "the scenario fails without any crash: " + failure);
        var calls = chaos.Count;
        Assert.True(calls >= 10, "the scenario made too few runtime calls: " + chaos.Calls);
        var violations = await CheckAndResetAsync(daemon, chaos, runtimeRoot, "(no crash)");
        Assert.True(violations.Count == 0, string.Join('\n', violations));
        await daemon.ImportBusyboxAsync("busybox:latest");

        var points = 0;
        var all = new List<string>();
        for (var call = 1; call <= calls; call++)
        {
            foreach (var before in new[] { true, false })
            {
                var point = $"runtime call {call} {(before ? "before" : "after")}";
                chaos.Reset(call, before);
                var (reached, scenarioFailure) = await RunToCrashAsync(daemon, scenario);
                chaos.Reset();
                if (!reached)
                {
                    all.Add($"{point}: never reached ({scenarioFailure ?? "the scenario ran to its end"}); calls were:\n{chaos.Calls}");
                    await ResetAfterAsync(daemon, chaos, runtimeRoot, point, all);
                    continue;
                }
                points++;
                await StartAsync(daemon, chaos, crashAt: null);
                await ResetAfterAsync(daemon, chaos, runtimeRoot, point, all);
            }
        }

        foreach (var name in NamedPoints)
        {
            for (var hit = 1; hit <= MaxHitsPerPoint; hit++)
            {
                var point = $"{name}#{hit}";
                // From no image at all, so the armed daemon's import writes blobs and layers anew.
                await RemoveAllImagesAsync(daemon);
                await daemon.StopAsync();
                await StartAsync(daemon, chaos, crashAt: point);
                var (reached, scenarioFailure) = await RunToCrashAsync(daemon, scenario, importFirst: true);
                if (!reached)
                {
                    if (hit == 1) all.Add($"{point}: never reached ({scenarioFailure ?? "the scenario ran to its end"})");
                    await daemon.StopAsync();
                    await StartAsync(daemon, chaos, crashAt: null);
                    await ResetAfterAsync(daemon, chaos, runtimeRoot, point, all);
                    break;
                }
                points++;
                await StartAsync(daemon, chaos, crashAt: null);
                await ResetAfterAsync(daemon, chaos, runtimeRoot, point, all);
            }
        }

        var summary = $"{points} kill points in {clock.Elapsed.TotalSeconds:F0} s, {all.Count} violations";
        Console.WriteLine($"KillPointTests: {summary}");
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "berth-kill-points-summary.txt"), summary + "\n" + string.Join('\n', all));
        Assert.True(all.Count == 0, summary + ":\n" + string.Join('\n', all));
        Assert.True(points >= 100, $"only {points} kill points were reached");
    }

    /// <summary>Runs the scenario until berthd dies; false when it never did (the point was not reached).</summary>
    private static async Task<(bool Reached, string? Failure)> RunToCrashAsync(BerthDaemon daemon, Scenario scenario, bool importFirst = false)
    {
        string? failure = null;
        if (importFirst)
        {
            try { await daemon.ImportBusyboxAsync("busybox:latest"); }
            catch (InvalidOperationException e) when (!daemon.IsRunning) { failure = e.Message; }
        }
        if (daemon.IsRunning) failure = await scenario.RunAsync();
        // A shim's last runtime call (delete after an exit) may come after the scenario's end.
        if (!await daemon.DiesWithinAsync(TimeSpan.FromSeconds(3))) return (false, failure);
        await daemon.WaitCrashedAsync(TimeSpan.FromSeconds(30));
        return (true, failure);
    }

    private static async Task StartAsync(BerthDaemon daemon, ChaosRuntime chaos, string? crashAt)
    {
        if (crashAt is null) daemon.Environment.Remove("BERTH_CRASH_AT");
        else daemon.Environment["BERTH_CRASH_AT"] = crashAt;
        await daemon.StartAsync();
        chaos.SetDaemonPid(daemon.Pid);
    }

    /// <summary>Checks the state after the restart, then removes everything and checks again; the daemon is left clean, with busybox.</summary>
    private static async Task ResetAfterAsync(BerthDaemon daemon, ChaosRuntime chaos, string runtimeRoot, string point, List<string> all)
    {
        foreach (var violation in await CheckAndResetAsync(daemon, chaos, runtimeRoot, point)) all.Add(violation);
        await daemon.ImportBusyboxAsync("busybox:latest");
    }

    private static async Task<List<string>> CheckAndResetAsync(BerthDaemon daemon, ChaosRuntime chaos, string runtimeRoot, string point)
    {
        var violations = new List<string>();
        void Add(IEnumerable<string> found) => violations.AddRange(found.Select(v => $"{point}: {v}"));

        Add(await TrueState.CheckContainersAsync(daemon, runtimeRoot));
        foreach (var c in await TrueState.ListAsync(daemon))
        {
            var removed = await daemon.Berth("rm", "-f", c.Id);
            if (removed.ExitCode != 0 && !removed.Stderr.Contains("No such container"))
                violations.Add($"{point}: rm -f {c.Name} failed: {removed}");
        }
        Add(await TrueState.CheckNothingLeftAsync(daemon, runtimeRoot));

        foreach (var failure in await RemoveAllImagesAsync(daemon)) violations.Add($"{point}: {failure}");
        // The restart after the crash collected what the interrupted operation left, and rmi
        // frees the rest: nothing may remain.
        Add(await TrueState.CheckNoContentLeftAsync(daemon));
        return violations;
    }

    /// <summary>`rmi -f` of every image; returns the failures.</summary>
    private static async Task<List<string>> RemoveAllImagesAsync(BerthDaemon daemon)
    {
        var failures = new List<string>();
        var images = await daemon.Berth("images", "-q", "--no-trunc");
        foreach (var id in images.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct())
        {
            var removed = await daemon.Berth("rmi", "-f", id);
            if (removed.ExitCode != 0 && !removed.Stderr.Contains("No such image"))
                failures.Add($"rmi -f {id} failed: {removed}");
        }
        return failures;
    }

    /// <summary>
    /// One fixed sequence of operations that exercises every path a crash can interrupt: run,
    /// run --rm, create + start, a TTY container, a restart policy, stop, restart, kill, rm -f,
    /// save/load and push/pull. Each step waits for the state it caused, so the order of runtime
    /// calls is the same in every run.
    /// </summary>
    private sealed class Scenario(BerthDaemon daemon, string registry)
    {
        private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

        /// <summary>Null when every step succeeded; else the first failure (expected once berthd has died).</summary>
        public async Task<string?> RunAsync()
        {
            var n = _tag;
            var image = $"{registry}/chaos/bb-{n}:1";
            var archive = Path.Combine(daemon.Root, $"save-{n}.tar");
            (string Name, Func<Task<bool>> Step)[] steps =
            [
                ("run -d", () => Ok("run", "-d", "--name", $"a-{n}", "busybox", "sleep", "600")),
                ("run --rm", () => Ok("run", "--rm", "--name", $"b-{n}", "busybox", "true")),
                ("run -d --rm", () => Ok("run", "-d", "--rm", "--name", $"c-{n}", "busybox", "sleep", "600")),
                ("create", () => Ok("create", "--name", $"d-{n}", "busybox", "sh", "-c", "exit 3")),
                ("start -a", () => Code(3, "start", "-a", $"d-{n}")),
                ("run -d -t", () => Ok("run", "-d", "-t", "--name", $"e-{n}", "busybox", "sleep", "600")),
                ("run --restart on-failure:2", () => Ok("run", "-d", "--name", $"f-{n}", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1")),
                ("restarts ran out", () => UntilAsync($"f-{n}", "{{.State.Status}} {{.RestartCount}}", "exited 2")),
                ("stop", () => Ok("stop", "-t", "1", $"a-{n}")),
                ("restart", () => Ok("restart", "-t", "1", $"a-{n}")),
                ("kill", () => Ok("kill", $"e-{n}")),
                ("rm -f of a --rm container", () => Ok("rm", "-f", $"c-{n}")),
                ("rm -f", () => Ok("rm", "-f", $"a-{n}")),
                ("rm", () => Ok("rm", $"d-{n}", $"e-{n}", $"f-{n}")),
                ("save", () => Ok("save", "-o", archive, "busybox:latest")),
                ("rmi", () => Ok("rmi", "busybox:latest")),
                ("load", () => Ok("load", "-i", archive)),
                ("tag", () => Ok("tag", "busybox:latest", image)),
                ("push", () => Ok("push", image)),
                ("rmi pushed", () => Ok("rmi", image)),
                ("pull", () => Ok("pull", image)),
                ("run the pulled image --rm", () => Ok("run", "--rm", image, "true")),
            ];
            foreach (var (name, step) in steps)
            {
                if (!daemon.IsRunning) return $"berthd died before {name}";
                if (!await step())
                    return await daemon.DiesWithinAsync(TimeSpan.FromSeconds(3)) ? $"berthd died during {name}" : $"{name} failed while berthd ran: {_last}";
            }
            File.Delete(archive);
            return null;
        }

        private CommandResult? _last;

        private async Task<bool> Ok(params string[] args) => await Code(0, args);

        private async Task<bool> Code(int expected, params string[] args)
        {
            _last = await daemon.Berth(args);
            return _last.ExitCode == expected;
        }

        private async Task<bool> UntilAsync(string name, string format, string expected)
        {
            for (var i = 0; i < 300 && daemon.IsRunning; i++)
            {
                _last = await daemon.Berth("inspect", "--format", format, name);
                if (_last.ExitCode == 0 && _last.Stdout.Trim() == expected) return true;
                await Task.Delay(100);
            }
            return false;
        }
    }
}
