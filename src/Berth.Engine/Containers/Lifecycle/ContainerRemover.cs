using Berth.Core.Errors;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// Removes a container: refused while it runs unless forced (then killed and its exit
/// awaited), status `removing` recorded first, so that a removal cut short by a crash is
/// finished at the next start, then the directory and the record deleted. Used by the API's
/// DELETE, by the exit monitor (auto-remove) and by recovery; it calls none of them.
/// </summary>
public sealed class ContainerRemover(ContainerIndex index, IContainerFilesystem filesystem, ContainerSignaller signaller)
{
    public async Task RemoveAsync(ContainerHandle handle, bool force, CancellationToken cancellationToken)
    {
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (handle.Removed.Task.IsCompleted) return;
            var container = handle.Container;
            if (container.State.Running)
            {
                if (!force)
                    throw new ConflictException($"You cannot remove a running container {container.Id}. Stop the container before attempting removal or force remove");
                await signaller.KillAndWaitLockedAsync(handle, cancellationToken);
            }
            index.Update(handle, c => c with { State = c.State with { Status = ContainerStatus.Removing } });
            filesystem.Delete(container.Id);
            index.Remove(handle);
        }
        finally
        {
            handle.Lock.Release();
        }
    }
}
