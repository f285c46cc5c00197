using Berth.Engine.Containers;
using Berth.Engine.Distribution;
using Berth.Engine.Images;

namespace Berth.Engine;

/// <summary>The daemon-wide counts /info reports.</summary>
public sealed record SystemCounts(int Containers, int Running, int Paused, int Stopped, int Images);

/// <summary>What the Engine API's system routes (/info) ask of the engine.</summary>
public interface ISystemBackend
{
    EngineOptions Options { get; }
    RegistryOptions Registries { get; }
    SystemCounts Counts();
}

public sealed class SystemBackend(EngineOptions options, IContainerBackend containers, IImageService images, IDistributionBackend distribution) : ISystemBackend
{
    public EngineOptions Options => options;
    public RegistryOptions Registries => distribution.Options;

    public SystemCounts Counts()
    {
        var states = containers.States();
        return new SystemCounts(
            states.Count,
            states.Count(s => s.Status == ContainerStatus.Running),
            states.Count(s => s.Status == ContainerStatus.Paused),
            states.Count(s => !s.Running),
            images.List().Count);
    }
}
