using Berth.Content;
using Berth.Daemon.Routes;
using Berth.Engine;
using Berth.Engine.Containers;
using Berth.Engine.Containers.Lifecycle;
using Berth.Engine.Distribution;
using Berth.Engine.Images;
using Berth.Engine.Metadata;
using Berth.Engine.Runtime;
using Berth.Engine.Runtime.Shim;
using Berth.Layers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Daemon.Hosting;

/// <summary>
/// berthd's lifetime: take the data root, build the services, re-adopt running containers,
/// serve the Engine API on the unix socket(s), and on SIGTERM stop serving while the
/// containers keep running under their shims.
/// </summary>
public static class DaemonHost
{
    public static async Task<int> RunAsync(DaemonOptions options, CancellationToken cancellationToken)
    {
        DataRootLock dataRootLock;
        try
        {
            dataRootLock = DataRootLock.Acquire(options.DataRoot);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"berthd: {e.Message}");
            return 1;
        }

        using (dataRootLock)
        {
            string runtime;
            List<string> sockets;
            RegistryOptions registries;
            try
            {
                var config = DaemonConfigFile.Load(options.ConfigFile, options.ConfigFileGiven);
                registries = new RegistryOptions(
                    [.. config.InsecureRegistries, .. options.InsecureRegistries],
                    [.. config.RegistryMirrors, .. options.RegistryMirrors],
                    options.RegistryCertsDirectory);
                runtime = ResolveProgram(options.Runtime);
                if (!File.Exists(options.ShimPath))
                    throw new InvalidOperationException($"berth-shim not found at {options.ShimPath} (use --shim)");
                sockets = options.Hosts.Select(UnixSocketPath).ToList();
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"berthd: {e.Message}");
                return 1;
            }

            RootDirectories.Prepare(new EngineOptions(options.DataRoot, options.ExecRoot, runtime, options.ShimPath));
            if (options.PidFile is { } pidFile)
                await File.WriteAllTextAsync(pidFile, Environment.ProcessId + "\n", cancellationToken);
            try
            {
                await ServeAsync(options, runtime, sockets, registries, cancellationToken);
                return 0;
            }
            finally
            {
                if (options.PidFile is { } pid) File.Delete(pid);
                foreach (var socket in sockets) File.Delete(socket);
            }
        }
    }

    private static async Task ServeAsync(DaemonOptions options, string runtime, List<string> sockets, RegistryOptions registries, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        // Registered last, so Kestrel prefers it to its socket transport for unix endpoints.
        builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, UnixSocketTransportFactory>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // archives stream unbounded; RequestBodyLimit caps JSON bodies
            foreach (var socket in sockets)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
                File.Delete(socket);
                kestrel.ListenUnixSocket(socket);
            }
        });
        AddEngine(builder.Services, new EngineOptions(options.DataRoot, options.ExecRoot, runtime, options.ShimPath) { CgroupParent = options.CgroupParent }, registries);

        await using var app = builder.Build();
        var trimmer = new IdleMemoryTrimmer(TimeSpan.FromSeconds(2), logger: app.Services.GetRequiredService<ILogger<IdleMemoryTrimmer>>());
        app.Use(trimmer.Middleware);
        app.Use(ErrorMiddleware.Middleware);
        app.Use(ApiVersion.Middleware);
        app.Use(RequestBodyLimit.Middleware); // after the version prefix is stripped
        app.UseRouting(); // after the version prefix is stripped
        SystemRoutes.Map(app);
        ImageRoutes.Map(app);
        DistributionRoutes.Map(app);
        ContainerRoutes.Map(app);
        AttachRoutes.Map(app);
        // dockerd answers unknown routes with a JSON error, which clients print. "{*path}": the
        // default pattern skips paths whose last segment looks like a file name (/x/a.b), which
        // then got an empty 404.
        app.MapFallback("{*path}", context => ErrorMiddleware.WriteErrorAsync(context, 404, "page not found"));

        await app.Services.GetRequiredService<ContainerLifecycle>().Recovery.RecoverAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        foreach (var socket in sockets)
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        app.Logger.LogInformation("berthd {Version} serving the Engine API on {Sockets}", VersionInfo.Version, string.Join(", ", sockets));
        using var stopTrimming = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var trimming = trimmer.RunAsync(stopTrimming.Token);
        // Content GC: at start (leases of the previous process expire), then periodically; see ContentCollector.
        var collector = ((ImageService)app.Services.GetRequiredService<IImageService>()).Collector;
        collector.Logger = app.Services.GetRequiredService<ILogger<Berth.Engine.Gc.ContentCollector>>();
        var collecting = collector.RunAsync(stopTrimming.Token);
        await app.WaitForShutdownAsync(cancellationToken);
        await stopTrimming.CancelAsync();
        await trimming;
        await collecting;
    }

    /// <summary>The composition root: every engine service, wired once.</summary>
    private static void AddEngine(IServiceCollection services, EngineOptions engine, RegistryOptions registries)
    {
        services.AddSingleton(engine);
        services.AddSingleton(_ => new MetadataStore(engine.DatabasePath));
        services.AddSingleton<IContentStore>(_ => new ContentStore(engine.ContentRoot));
        services.AddSingleton<ILayerStore>(_ => new LayerStore(engine.LayersRoot));
        services.AddSingleton(sp => new ContainerStore(sp.GetRequiredService<MetadataStore>()));
        services.AddSingleton(sp => new ContainerIndex(sp.GetRequiredService<ContainerStore>()));
        services.AddSingleton(sp =>
        {
            var containers = sp.GetRequiredService<ContainerIndex>();
            var images = new ImageService(
                sp.GetRequiredService<IContentStore>(), sp.GetRequiredService<ILayerStore>(),
                sp.GetRequiredService<MetadataStore>(), containers, Path.Combine(engine.DataRoot, "image"),
                () => containers.All.Select(h => h.Container.ImageChainId).OfType<Core.Digests.Digest>());
            // Distribution sits above Images: it learns of deleted images through this hook, so its
            // manifests and push blobs go with them; until then they are the collector's roots.
            var distribution = new DistributionStore(sp.GetRequiredService<MetadataStore>());
            images.AddDeletionObserver(new DistributionCleanup(sp.GetRequiredService<IContentStore>(), images.Store, distribution));
            images.Collector.AddRootSource(new DistributionGcRoots(distribution));
            return images;
        });
        services.AddSingleton<IImageService>(sp => sp.GetRequiredService<ImageService>());
        services.AddSingleton(sp => new DistributionService(
            sp.GetRequiredService<IContentStore>(), sp.GetRequiredService<ILayerStore>(),
            sp.GetRequiredService<ImageService>(), sp.GetRequiredService<MetadataStore>(), registries));
        services.AddSingleton<IDistributionBackend>(sp => sp.GetRequiredService<DistributionService>());
        AddContainers(services, engine);
        services.AddSingleton<ISystemBackend>(sp => new SystemBackend(engine, sp.GetRequiredService<IContainerBackend>(),
            sp.GetRequiredService<IImageService>(), sp.GetRequiredService<IDistributionBackend>()));
    }

    /// <summary>The container parts (Engine/Containers/Lifecycle), each wired to the parts below it only.</summary>
    private static void AddContainers(IServiceCollection services, EngineOptions engine)
    {
        services.AddSingleton<IContainerFilesystem>(sp => new ContainerFilesystem(engine, sp.GetRequiredService<ILayerStore>()));
        services.AddSingleton<IShimLauncher>(_ => new ShimLauncher(engine.ShimPath));
        services.AddSingleton<IOciRuntime>(sp => new OciRuntime(engine, sp.GetRequiredService<ILogger<OciRuntime>>()));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ContainerLifecycle>(sp => new ContainerLifecycle(
            engine, sp.GetRequiredService<ContainerIndex>(), sp.GetRequiredService<IContainerFilesystem>(),
            sp.GetRequiredService<IImageService>(), sp.GetRequiredService<IShimLauncher>(), sp.GetRequiredService<IOciRuntime>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IContainerBackend>(sp => sp.GetRequiredService<ContainerLifecycle>().Backend);
    }

    private static string UnixSocketPath(string host)
    {
        const string scheme = "unix://";
        if (host.StartsWith(scheme, StringComparison.Ordinal) && host.Length > scheme.Length)
            return host[scheme.Length..];
        if (host.StartsWith('/')) return host;
        throw new InvalidOperationException($"unsupported host \"{host}\": berthd listens on unix://PATH");
    }

    /// <summary>The runtime by path, or by name on PATH and the sbin dirs.</summary>
    private static string ResolveProgram(string name) =>
        Berth.Core.Interop.ExecutableSearch.Find(name) ?? throw new InvalidOperationException(name.Contains('/')
            ? $"runtime {name} not found"
            : $"OCI runtime \"{name}\" not found in PATH (install runc or pass --runtime)");
}
