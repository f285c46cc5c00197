namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Docker's restart policies and back-off (moby's restartmanager): whether an exit is followed
/// by a restart, and how long to wait first. Pure decisions over the clock it is given, so a
/// test drives it with a fake one; the waiting itself is the exit monitor's.
/// </summary>
public sealed class RestartManager(TimeProvider clock)
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaximumBackoff = TimeSpan.FromMinutes(1);
    /// <summary>A run at least this long resets the back-off to its initial value.</summary>
    public static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(10);

    public TimeProvider Clock => clock;

    /// <summary>always, unless-stopped, on-failure[:max]; never after stop or kill.</summary>
    public static bool ShouldRestart(Container container)
    {
        if (container.ManuallyStopped) return false;
        var policy = container.HostConfig.RestartPolicy;
        return policy.Name switch
        {
            "always" or "unless-stopped" => true,
            "on-failure" => container.State.ExitCode != 0
                && (policy.MaximumRetryCount == 0 || container.RestartCount < policy.MaximumRetryCount),
            _ => false,
        };
    }

    /// <summary>
    /// The delay before restarting after the run that <paramref name="exited"/> describes:
    /// 100 ms, doubling per quick failure up to a minute, back to 100 ms after a run of 10 s.
    /// </summary>
    public TimeSpan NextBackoff(ContainerState exited, TimeSpan previous)
    {
        var now = clock.GetUtcNow();
        var ranFor = (exited.FinishedAt ?? now) - (exited.StartedAt ?? now);
        if (ranFor >= ResetAfter || previous == TimeSpan.Zero) return InitialBackoff;
        return TimeSpan.FromTicks(Math.Min(previous.Ticks * 2, MaximumBackoff.Ticks));
    }

    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, clock, cancellationToken);
}
