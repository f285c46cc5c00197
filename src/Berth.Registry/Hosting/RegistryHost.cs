using System.Security.Cryptography.X509Certificates;
using Berth.Registry.Api;
using Berth.Registry.Auth;
using Berth.Registry.Limits;
using Berth.Registry.Observability;
using Berth.Registry.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Berth.Registry.Hosting;

/// <summary>
/// A running registry: Kestrel on one endpoint (HTTPS with --tls-cert), every request through
/// observe (access log, metrics) → auth (and the token endpoint) → limits (read-only, upload
/// size) → <see cref="RegistryRouter"/>. Metrics, when enabled, are on a second listener of their
/// own without auth, like distribution's debug server.
/// </summary>
public sealed class RegistryHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebApplication? _metricsApp;
    private readonly IDisposable? _signer;

    private RegistryHost(WebApplication app, Uri baseAddress, WebApplication? metricsApp, Uri? metricsAddress, IDisposable? signer)
    {
        _app = app;
        BaseAddress = baseAddress;
        _metricsApp = metricsApp;
        MetricsAddress = metricsAddress;
        _signer = signer;
    }

    /// <summary>http(s)://HOST:PORT/ with the port actually bound (useful with port 0).</summary>
    public Uri BaseAddress { get; }

    /// <summary>http://HOST:PORT/ of the metrics listener, or null when metrics are off.</summary>
    public Uri? MetricsAddress { get; }

    public static Task<RegistryHost> StartAsync(RegistryServerOptions options, CancellationToken cancellationToken) =>
        StartAsync(options, Console.Error, TimeProvider.System, cancellationToken);

    /// <param name="logWriter">Where log lines go (stderr for the command).</param>
    public static async Task<RegistryHost> StartAsync(RegistryServerOptions options, TextWriter logWriter, TimeProvider clock, CancellationToken cancellationToken)
    {
        var log = new RegistryLog(logWriter, options.LogLevel, clock);
        var store = new RegistryStore(options.Root);
        var certificate = options.Tls is { } tls ? X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath) : null;
        var metrics = new RegistryMetrics();
        var (controller, tokens, signer) = Authentication(options, log, clock);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(options.LogLevel == RegistryLogLevel.Debug ? LogLevel.Information : LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Layers are routinely larger than Kestrel's 30 MB default; --max-upload-size limits uploads per request.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Endpoint, listen =>
            {
                if (certificate is not null) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        var observer = new RequestObserver(log, metrics, options.AccessLog);
        var auth = new AuthMiddleware(controller, tokens);
        var limits = new RequestLimits(options.ReadOnly, options.MaxUploadSize, store);
        app.Use(observer.InvokeAsync);
        app.Use(auth.InvokeAsync);
        app.Use(limits.InvokeAsync);
        app.Run(new RegistryRouter(store, new RegistryApiOptions(options.DeleteEnabled)).HandleAsync);
        await app.StartAsync(cancellationToken);
        var baseAddress = BoundAddress(app);

        WebApplication? metricsApp = null;
        Uri? metricsAddress = null;
        if (options.MetricsEndpoint is { } metricsEndpoint)
        {
            metricsApp = MetricsServer(metricsEndpoint, options.MetricsPath, metrics);
            await metricsApp.StartAsync(cancellationToken);
            metricsAddress = BoundAddress(metricsApp);
        }
        log.Write(RegistryLogLevel.Info, "listening", ("addr", baseAddress), ("root", options.Root), ("auth", options.Auth.ToString().ToLowerInvariant()),
            ("tls", certificate is not null), ("read_only", options.ReadOnly), ("metrics", metricsAddress));
        return new RegistryHost(app, baseAddress, metricsApp, metricsAddress, signer);
    }

    private static (IAccessController?, TokenServer?, TokenSigner?) Authentication(RegistryServerOptions options, RegistryLog log, TimeProvider clock)
    {
        void Warn(string message) => log.Write(RegistryLogLevel.Warn, message);
        var users = options.HtpasswdPath is { } path ? new Htpasswd(path, Warn) : null;
        switch (options.Auth)
        {
            case AuthMode.Htpasswd:
                return (new BasicAccessController(users!, options.BasicRealm), null, null);
            case AuthMode.Token:
                var token = options.Token;
                var signer = token.SigningKeyPath is { } key ? TokenSigner.Load(key) : TokenSigner.Generate();
                if (users is null) Warn("token auth without an htpasswd file: only anonymous access is possible");
                var policy = new AccessPolicy(token.Rules, token.AnonymousPull);
                return (new TokenAccessController(signer, token, clock), new TokenServer(signer, token, policy, users, options.BasicRealm, clock), signer);
            default:
                return (null, null, null);
        }
    }

    private static WebApplication MetricsServer(System.Net.IPEndPoint endpoint, string path, RegistryMetrics metrics)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint);
        });
        var app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Path.Value != path)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return context.Response.WriteAsync(metrics.Render(), context.RequestAborted);
        });
        return app;
    }

    private static Uri BoundAddress(WebApplication app)
    {
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("kestrel reported no listening address");
        return new Uri(bound.EndsWith('/') ? bound : bound + "/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_metricsApp is not null)
        {
            await _metricsApp.StopAsync();
            await _metricsApp.DisposeAsync();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _signer?.Dispose();
    }
}
