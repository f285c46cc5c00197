using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers;

/// <summary>The paths of a container that inspect reports.</summary>
public sealed record ContainerPaths(string ResolvConf, string Hostname, string Hosts, string Log, string Merged, string Upper, string Work);

/// <summary>A container's record with the paths inspect shows.</summary>
public sealed record ContainerDetails(Container Container, ContainerPaths Paths);

/// <summary>A container's log as a stream of entries, and whether it was written through a TTY (raw, unframed).</summary>
public sealed record ContainerLogStream(bool Tty, IAsyncEnumerable<LogEntry> Entries);

/// <summary>
/// Everything the Engine API's container routes (and the image and system routes' container
/// counts) may ask of the engine, as moby's router sees its backend: nothing else of the
/// engine's container parts is visible to the routes.
/// </summary>
public interface IContainerBackend
{
    Task<Container> CreateAsync(CreateContainerRequest request, CancellationToken cancellationToken);
    ContainerDetails Inspect(string idOrName);
    Container Get(string idOrName);
    IReadOnlyList<Container> List(bool all, IReadOnlyDictionary<string, IReadOnlyList<string>> filters, int limit = -1);
    /// <summary>Every container's state (for /info's counts).</summary>
    IReadOnlyList<ContainerState> States();
    /// <summary>How many containers use the image (for the image list's Containers column).</summary>
    int CountUsing(Berth.Core.Digests.Digest imageId);

    Task StartAsync(string idOrName, CancellationToken cancellationToken);
    Task StopAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken);
    Task KillAsync(string idOrName, string? signal, CancellationToken cancellationToken);
    Task RestartAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken);
    /// <summary>The wait is registered before this returns (see WaitOperation).</summary>
    Task<int> Wait(string idOrName, string? condition, CancellationToken cancellationToken);
    /// <summary>null when there is nothing to attach to.</summary>
    Task<ShimAttachment>? Attach(string idOrName, bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken);
    Task ResizeAsync(string idOrName, int height, int width, CancellationToken cancellationToken);
    /// <summary>
    /// GET /logs: refuses a container whose log driver cannot be read, and only then reads the
    /// request's options (dockerd's order of errors); follows while the container runs.
    /// </summary>
    ContainerLogStream Logs(string idOrName, Func<LogOptions> options, CancellationToken cancellationToken);
    /// <summary>attach's logs=1: the log so far, or null when there is none to replay.</summary>
    IAsyncEnumerable<LogEntry>? LogsSoFar(string idOrName, bool stdout, bool stderr, CancellationToken cancellationToken);
    Task RemoveAsync(string idOrName, bool force, CancellationToken cancellationToken);
    Task RenameAsync(string idOrName, string newName, CancellationToken cancellationToken);
}
