using Berth.Core.Diagnostics;
using Berth.Engine.Runtime.Shim;
using Microsoft.Extensions.Logging;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// The one place an exit is recorded: status exited, exit code, FinishedAt, the shim socket
/// cleared, the rootfs released and the run's waiters woken. Whoever learns of the exit first
/// (the exit monitor, a stop that finds the shim gone, recovery) reports it here; a run's exit
/// is recorded once, because only the report naming the run's current shim is applied.
/// </summary>
public sealed class ExitRecorder(ContainerIndex index, IContainerFilesystem filesystem, ILogger<ExitRecorder> logger)
{
    /// <summary>
    /// Records an exit of the run served by <paramref name="shim"/> (null: a run whose shim was
    /// never reconnected). Returns false when that run's exit was already recorded.
    /// </summary>
    public bool Record(ContainerHandle handle, IShimClient? shim, ExitStatus status)
    {
        lock (handle)
        {
            if (!ReferenceEquals(handle.Shim, shim)) return false;
            handle.Shim = null;
        }
        index.Update(handle, c => c with
        {
            State = c.State with
            {
                Status = ContainerStatus.Exited,
                Pid = 0,
                ExitCode = status.ExitCode,
                OomKilled = status.OomKilled,
                FinishedAt = status.FinishedAt,
                Error = "",
                ShimSocket = null,
            },
        });
        CrashPoints.Reach("exit.after-record");
        try
        {
            filesystem.Release(handle.Container.Id);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "unmounting the rootfs of {Id} failed", handle.Container.ShortId);
        }
        handle.SignalExit(status);
        return true;
    }

    /// <summary>The exit the shim wrote to the exit file, or 255 now when there is none (the shim died first).</summary>
    public ExitStatus FromExitFile(string id) =>
        ShimClient.ReadExitFile(filesystem.ExitFilePath(id)) ?? new ExitStatus(255, DateTimeOffset.UtcNow);
}
