using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Runtime;

/// <summary>
/// What berthd itself asks of the OCI runtime (runc), outside any shim: whether it still
/// holds state for a container, and to kill and delete that state when no shim owns it.
/// Everything else the runtime does for a container goes through the container's shim.
/// </summary>
public interface IOciRuntime
{
    /// <summary>Whether the runtime still has state (a created or running container) for <paramref name="id"/>.</summary>
    bool HasState(string id);

    /// <summary>`runtime delete --force`: kills whatever runs and removes the state; a no-op without state.</summary>
    Task DeleteForceAsync(string id, CancellationToken cancellationToken);
}

/// <summary>The runtime binary run with `--root RuntimeRoot`.</summary>
public sealed class OciRuntime(EngineOptions options, ILogger<OciRuntime> logger) : IOciRuntime
{
    public bool HasState(string id) => Directory.Exists(Path.Combine(options.RuntimeRoot, id));

    public async Task DeleteForceAsync(string id, CancellationToken cancellationToken)
    {
        if (!HasState(id)) return;
        var start = new ProcessStartInfo(options.RuntimePath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--root", options.RuntimeRoot, "delete", "--force", id }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) logger.LogWarning("runtime delete of container {Id} failed: {Error}", id[..Math.Min(12, id.Length)], (await stderr).Trim());
    }
}
