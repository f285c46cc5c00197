using Berth.Core.Digests;
using Berth.Engine.Containers;
using Berth.Engine.Containers.Lifecycle;
using Berth.Engine.Metadata;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Berth.Engine.Tests.Containers.Lifecycle;

/// <summary>
/// One berthd's container parts over fakes (shims, runtime, filesystem, clock) and a real
/// SQLite store in a temp dir; <see cref="Restart"/> builds a new "daemon" on the same store.
/// </summary>
internal sealed class LifecycleFixture : IDisposable
{
    private readonly MetadataStore _database;

    public LifecycleFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "berth-lifecycle-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Options = new EngineOptions(Path.Combine(Root, "data"), Path.Combine(Root, "exec"), "/bin/false", "/bin/false");
        _database = new MetadataStore(Path.Combine(Root, "berth.db"));
        Store = new ContainerStore(_database);
        Filesystem = new FakeFilesystem(Path.Combine(Root, "containers"));
        Filesystem.Sockets = Shims.SocketsOf;
        Restart();
    }

    public string Root { get; }
    public EngineOptions Options { get; }
    public ContainerStore Store { get; }
    public FakeFilesystem Filesystem { get; }
    public FakeShimLauncher Shims { get; } = new();
    public FakeRuntime Runtime { get; } = new();
    public ManualClock Clock { get; } = new();
    public ContainerIndex Index { get; private set; } = null!;
    public ContainerLifecycle Lifecycle { get; private set; } = null!;
    public IContainerBackend Backend => Lifecycle.Backend;

    /// <summary>A new daemon over the same store, shims and files (as after a berthd restart).</summary>
    public void Restart()
    {
        Index = new ContainerIndex(Store);
        Lifecycle = new ContainerLifecycle(Options, Index, Filesystem, new NoImages(), Shims, Runtime, Clock, NullLoggerFactory.Instance);
    }

    public static Container NewContainer(Func<ContainerHostConfig, ContainerHostConfig>? host = null)
    {
        var id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var hostConfig = new ContainerHostConfig();
        return new Container
        {
            Id = id,
            Name = "c" + id[..8],
            Created = DateTimeOffset.UtcNow,
            Path = "/bin/sh",
            Args = ["-c", "true"],
            Config = new ContainerConfig { Hostname = id[..12], Image = "test" },
            HostConfig = host is null ? hostConfig : host(hostConfig),
            ImageId = Digest.Compute("image"u8),
            ImageChainId = Digest.Compute("layer"u8),
        };
    }

    /// <summary>Creates a container as create does (record and directory), without an image.</summary>
    public ContainerHandle Add(Container container)
    {
        Filesystem.Create(container);
        return Index.Add(container);
    }

    public ContainerHandle Add(Func<ContainerHostConfig, ContainerHostConfig>? host = null) => Add(NewContainer(host));

    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), what);
    }

    public void Dispose()
    {
        _database.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
