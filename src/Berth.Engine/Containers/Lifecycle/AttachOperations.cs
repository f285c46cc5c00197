using Berth.Core.Errors;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Attach and resize: both reach the running process's stdio through its shim. A created (or
/// exited) container is attached when it next starts, so `docker run` misses no output.
/// </summary>
public sealed class AttachOperations(ContainerIndex index)
{
    /// <summary>A running container is attached at once; a created or exited one at its next start; otherwise null (nothing to stream).</summary>
    public Task<ShimAttachment>? Attach(string idOrName, bool stdin, bool stdout, bool stderr, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        if (handle.Container.State.Running && handle.Shim is { } shim)
            return shim.AttachAsync(stdin, stdout, stderr, cancellationToken);
        if (handle.Container.State.Status == ContainerStatus.Created || handle.Container.State.Status == ContainerStatus.Exited)
            return handle.AttachAtStart(stdin, stdout, stderr, cancellationToken);
        return null;
    }

    public async Task ResizeAsync(string idOrName, int height, int width, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        if (handle.Shim is not { } shim)
            throw new ConflictException($"Container {handle.Container.Id} is not running");
        await shim.ResizeAsync(height, width, cancellationToken);
    }
}
