namespace Berth.Engine.Containers;

/// <summary>dockerd's defaults for a container, each written once.</summary>
public static class ContainerDefaults
{
    /// <summary>/dev/shm's size when HostConfig.ShmSize is 0 or unset.</summary>
    public const long ShmSize = 64 * 1024 * 1024;

    /// <summary>Seconds between the stop signal and SIGKILL when neither the request nor Config.StopTimeout says.</summary>
    public const int StopTimeoutSeconds = 10;

    /// <summary>How long kill with SIGKILL waits for the exit before answering.</summary>
    public static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);
}
