using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Runtime;

/// <summary>
/// What berthd itself asks of the OCI runtime (runc), outside any shim: which containers it
/// still holds state for and in what status, and to kill and delete that state when no shim
/// owns it. Everything else the runtime does for a container goes through the container's shim.
/// </summary>
public interface IOciRuntime
{
    /// <summary>Whether the runtime still has state (a created or running container) for <paramref name="id"/>.</summary>
    bool HasState(string id);

    /// <summary>The IDs the runtime holds state for (`runc list`: the directories of its root).</summary>
    IReadOnlyList<string> ContainersWithState();

    /// <summary>`runtime state`'s status ("created", "running", "paused", "stopped"), or null without state.</summary>
    Task<string?> StatusAsync(string id, CancellationToken cancellationToken);

    /// <summary>`runtime delete --force`: kills whatever runs and removes the state; a no-op without state.</summary>
    Task DeleteForceAsync(string id, CancellationToken cancellationToken);
}

/// <summary>The runtime binary run with `--root RuntimeRoot`.</summary>
public sealed class OciRuntime(EngineOptions options, ILogger<OciRuntime> logger) : IOciRuntime
{
    public bool HasState(string id) => Directory.Exists(Path.Combine(options.RuntimeRoot, id));

    public IReadOnlyList<string> ContainersWithState() =>
        Directory.Exists(options.RuntimeRoot) ? Directory.GetDirectories(options.RuntimeRoot).Select(d => Path.GetFileName(d)!).ToList() : [];

    public async Task<string?> StatusAsync(string id, CancellationToken cancellationToken)
    {
        if (!HasState(id)) return null;
        var (exitCode, stdout, _) = await RunAsync(["state", id], cancellationToken);
        if (exitCode != 0) return null;
        try
        {
            using var state = System.Text.Json.JsonDocument.Parse(stdout);
            return state.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public async Task DeleteForceAsync(string id, CancellationToken cancellationToken)
    {
        if (!HasState(id)) return;
        var (exitCode, _, stderr) = await RunAsync(["delete", "--force", id], cancellationToken);
        if (exitCode != 0) logger.LogWarning("runtime delete of container {Id} failed: {Error}", id[..Math.Min(12, id.Length)], stderr.Trim());
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(options.RuntimePath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--root", options.RuntimeRoot, .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, stdout, await stderr);
    }
}
