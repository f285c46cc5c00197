using Berth.Core.Errors;
using Berth.Engine.Containers.Lifecycle;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers;

/// <summary>The containers' backend for the API: each call goes to the part that owns it.</summary>
public sealed class ContainerBackend(
    ContainerIndex index,
    IContainerFilesystem filesystem,
    ContainerService service,
    StartOperation start,
    StopOperations stop,
    WaitOperation wait,
    AttachOperations attach,
    ContainerRemover remover) : IContainerBackend
{
    public Task<Container> CreateAsync(CreateContainerRequest request, CancellationToken cancellationToken) =>
        service.CreateAsync(request, cancellationToken);

    public ContainerDetails Inspect(string idOrName)
    {
        var container = service.Get(idOrName);
        var id = container.Id;
        return new ContainerDetails(container, new ContainerPaths(
            filesystem.ResolvConfPath(id), filesystem.HostnamePath(id), filesystem.HostsPath(id), filesystem.LogPath(id),
            filesystem.RootfsPath(id), filesystem.UpperDir(id), filesystem.WorkDir(id)));
    }

    public Container Get(string idOrName) => service.Get(idOrName);

    public IReadOnlyList<Container> List(bool all, IReadOnlyDictionary<string, IReadOnlyList<string>> filters, int limit = -1) =>
        service.List(all, filters, limit);

    public IReadOnlyList<ContainerState> States() => index.All.Select(h => h.Container.State).ToList();

    public int CountUsing(Berth.Core.Digests.Digest imageId) => index.ContainersUsing(imageId).Count;

    public Task StartAsync(string idOrName, CancellationToken cancellationToken) => start.StartAsync(idOrName, cancellationToken);

    public Task StopAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken) =>
        stop.StopAsync(idOrName, timeoutSeconds, signal, cancellationToken);

    public Task KillAsync(string idOrName, string? signal, CancellationToken cancellationToken) =>
        stop.KillAsync(idOrName, signal, cancellationToken);

    public Task RestartAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken) =>
        stop.RestartAsync(idOrName, timeoutSeconds, signal, cancellationToken);

    public Task<int> Wait(string idOrName, string? condition, CancellationToken cancellationToken) =>
        wait.Wait(idOrName, condition, cancellationToken);

    public Task<ShimAttachment>? Attach(string idOrName, bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken) =>
        attach.Attach(idOrName, stdin, stdout, stderr, cancellationToken);

    public Task ResizeAsync(string idOrName, int height, int width, CancellationToken cancellationToken) =>
        attach.ResizeAsync(idOrName, height, width, cancellationToken);

    public ContainerLogStream Logs(string idOrName, Func<LogOptions> options, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        var container = handle.Container;
        if (container.HostConfig.LogConfig.Type == LogDriver.None)
            throw new UnsupportedOperationException("configured logging driver does not support reading");
        return new ContainerLogStream(container.Config.Tty,
            ContainerLogs.ReadAsync(filesystem.LogPath(container.Id), options(), () => handle.Container.State.Running, cancellationToken));
    }

    public IAsyncEnumerable<LogEntry>? LogsSoFar(string idOrName, bool stdout, bool stderr, CancellationToken cancellationToken)
    {
        var container = index.Resolve(idOrName).Container;
        var path = filesystem.LogPath(container.Id);
        if (!File.Exists(path) || !(stdout || stderr) || container.HostConfig.LogConfig.Type == LogDriver.None) return null;
        var options = new LogOptions(stdout, stderr, Follow: false, Tail: -1, Since: null, Until: null);
        return ContainerLogs.ReadAsync(path, options, () => false, cancellationToken);
    }

    public Task RemoveAsync(string idOrName, bool force, CancellationToken cancellationToken) =>
        remover.RemoveAsync(index.Resolve(idOrName), force, cancellationToken);

    public Task RenameAsync(string idOrName, string newName, CancellationToken cancellationToken) =>
        service.RenameAsync(idOrName, newName, cancellationToken);
}
