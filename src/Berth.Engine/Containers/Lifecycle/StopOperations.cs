using Berth.Core.Errors;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Stop, kill and restart: they signal the running process and, for stop and restart, wait
/// for the exit the monitor records. Stop and kill mark the container ManuallyStopped, so its
/// restart policy leaves it alone (and a restart pending in its back-off is cancelled).
/// </summary>
public sealed class StopOperations(ContainerIndex index, ContainerSignaller signaller, RunLauncher launcher, ExitMonitor monitor)
{
    /// <summary>Task.Delay takes at most ~49 days: a longer timeout (t=2147483647) waits as a negative one does.</summary>
    private const int MaxStopTimeoutSeconds = (int)(uint.MaxValue / 1000) - 1;

    public async Task StopAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            index.Update(handle, c => c with { ManuallyStopped = true });
            if (handle.Container.State.Status == ContainerStatus.Restarting)
            {
                index.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Exited } });
                return;
            }
            await StopLockedAsync(handle, timeoutSeconds, signal, cancellationToken);
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    /// <summary>Stop signal, then SIGKILL after the timeout (docker's default 10 s; negative waits forever).</summary>
    private async Task StopLockedAsync(ContainerHandle handle, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var container = handle.Container;
        if (!container.State.Running || handle.Shim is not { } shim)
            throw new NotModifiedException("container already stopped");
        var exit = handle.NextExit;
        var stopSignal = Signals.Parse(signal ?? container.Config.StopSignal, Signals.SIGTERM);
        var timeout = timeoutSeconds ?? container.Config.StopTimeout ?? ContainerDefaults.StopTimeoutSeconds;
        await signaller.SignalAsync(handle, shim, stopSignal, cancellationToken);
        if (timeout is >= 0 and <= MaxStopTimeoutSeconds && await Task.WhenAny(exit, Task.Delay(TimeSpan.FromSeconds(timeout), cancellationToken)) != exit)
            await signaller.SignalAsync(handle, shim, Signals.SIGKILL, cancellationToken);
        await exit.WaitAsync(cancellationToken);
    }

    public async Task KillAsync(string idOrName, string? signal, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        var number = Signals.Parse(signal, Signals.SIGKILL);
        var container = handle.Container;
        if (!container.State.Running || handle.Shim is not { } shim)
            throw new ConflictException($"Cannot kill container: {idOrName}: Container {container.Id} is not running");
        var exit = handle.NextExit;
        index.Update(handle, c => c with { ManuallyStopped = true });
        await shim.KillAsync(number, cancellationToken);
        // Docker returns once a SIGKILL has taken effect, so `kill` then `inspect` says exited.
        if (number == Signals.SIGKILL)
            await Task.WhenAny(exit, Task.Delay(ContainerDefaults.KillWait, cancellationToken));
    }

    public async Task RestartAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (handle.Container.State.Running)
            {
                index.Update(handle, c => c with { ManuallyStopped = true });
                await StopLockedAsync(handle, timeoutSeconds, signal, cancellationToken);
            }
            index.Update(handle, c => c with { ManuallyStopped = false, RestartCount = 0 });
            _ = monitor.Watch(handle, await launcher.LaunchLockedAsync(handle, cancellationToken));
        }
        finally
        {
            handle.Lock.Release();
        }
    }
}
