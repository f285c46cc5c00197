using Berth.Registry.Api;
using Berth.Registry.Storage;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Berth.Registry.Hosting;

/// <summary>A running registry: Kestrel on one endpoint, every request dispatched by <see cref="RegistryRouter"/>.</summary>
public sealed class RegistryHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RegistryHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>http://HOST:PORT/ with the port actually bound (useful with port 0).</summary>
    public Uri BaseAddress { get; }

    public static async Task<RegistryHost> StartAsync(RegistryOptions options, CancellationToken cancellationToken)
    {
        var store = new RegistryStore(options.Root);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Layers are routinely larger than Kestrel's 30 MB default.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(options.Endpoint);
        });
        var app = builder.Build();
        var router = new RegistryRouter(store, new RegistryApiOptions(options.DeleteEnabled));
        app.Run(router.HandleAsync);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("kestrel reported no listening address");
        return new RegistryHost(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
