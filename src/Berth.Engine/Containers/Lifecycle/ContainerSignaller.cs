using Berth.Core.Errors;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Signals a running container through its shim. Contract: a signal to a container that has
/// already exited is not an error; a shim that cannot be reached is gone with its container,
/// so its exit is recorded (from the exit file) and nobody waits for it forever.
/// </summary>
public sealed class ContainerSignaller(ExitRecorder exits, ILogger<ContainerSignaller> logger)
{
    public async Task SignalAsync(ContainerHandle handle, IShimClient shim, int signal, CancellationToken cancellationToken)
    {
        try
        {
            await shim.KillAsync(signal, cancellationToken);
        }
        catch (ShimFailureException e) when (e.Kind == ErrorKind.Conflict)
        {
            // Already exited; the monitor records it.
        }
        catch (IOException e)
        {
            logger.LogWarning("shim of container {Id} unreachable: {Message}", handle.Container.ShortId, e.Message);
            exits.Record(handle, shim, exits.FromExitFile(handle.Container.Id));
        }
    }

    /// <summary>SIGKILL and wait for the exit to be recorded; a no-op when not running. Caller holds the lock.</summary>
    public async Task KillAndWaitLockedAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        if (!handle.Container.State.Running || handle.Shim is not { } shim) return;
        var exit = handle.NextExit;
        await SignalAsync(handle, shim, Signals.SIGKILL, cancellationToken);
        await exit.WaitAsync(cancellationToken);
    }
}
