using Berth.Core.Errors;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers.Lifecycle;

/// <summary>
/// POST /containers/{id}/wait: the conditions not-running, next-exit and removed. The returned
/// task is registered before <see cref="Wait"/> returns, so a caller may then start the
/// container safely (the docker CLI waits first, then starts).
/// </summary>
public sealed class WaitOperation(ContainerIndex index)
{
    public Task<int> Wait(string idOrName, string? condition, CancellationToken cancellationToken)
    {
        var handle = index.Resolve(idOrName);
        var exit = handle.NextExit;
        switch (condition)
        {
            case null or "" or "not-running":
                if (!handle.Container.State.Running) return Task.FromResult(handle.Container.State.ExitCode);
                return ExitCodeOf(exit, cancellationToken);
            case "next-exit":
                return ExitCodeOf(exit, cancellationToken);
            case "removed":
                return WaitRemovedAsync(handle, cancellationToken);
            default:
                throw new InvalidParameterException($"invalid condition: \"{condition}\"");
        }
    }

    private static async Task<int> ExitCodeOf(Task<ExitStatus> exit, CancellationToken cancellationToken) =>
        (await exit.WaitAsync(cancellationToken)).ExitCode;

    private static async Task<int> WaitRemovedAsync(ContainerHandle handle, CancellationToken cancellationToken)
    {
        await handle.Removed.Task.WaitAsync(cancellationToken);
        return handle.Container.State.ExitCode;
    }
}
