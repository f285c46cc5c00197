using Berth.Engine.Distribution.Auth;
using Berth.Engine.Distribution.Progress;

namespace Berth.Engine.Distribution;

/// <summary>What the Engine API's distribution routes (pull, push, login) and /info ask of the engine.</summary>
public interface IDistributionBackend
{
    /// <summary>The registry settings berthd runs with (insecure registries, mirrors, certificates).</summary>
    RegistryOptions Options { get; }

    Task PullAsync(PullRequest request, IProgressSink progress, CancellationToken cancellationToken);

    Task PushAsync(PushRequest request, IProgressSink progress, CancellationToken cancellationToken);

    Task LoginAsync(RegistryCredentials credentials, CancellationToken cancellationToken);
}
