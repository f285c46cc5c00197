using Xunit;
using System.Security.Cryptography;
using Berth.Registry.Hosting;

namespace Berth.Registry.Tests;

/// <summary>
/// A real berth-registry on 127.0.0.1 with an ephemeral port and a temp --root, configured as
/// shipped (deletes disabled). The root sits alone in its own sandbox directory so tests can
/// check that nothing was written beside it.
/// </summary>
public class RegistryFixture : IAsyncLifetime
{
    private RegistryHost? _host;

    public RegistryFixture()
    {
        Sandbox = Path.Combine(Path.GetTempPath(), "berth-registry-test-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(Sandbox, "root");
    }

    public string Sandbox { get; }
    public string Root { get; }
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Extra flags for <c>berth-registry serve</c>.</summary>
    protected virtual string[] ExtraArgs => [];

    public virtual async ValueTask InitializeAsync()
    {
        var options = RegistryCommand.Parse(["serve", "--addr", "127.0.0.1:0", "--root", Root, .. ExtraArgs]);
        _host = await RegistryHost.StartAsync(options, CancellationToken.None);
        Client = new HttpClient { BaseAddress = _host.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        try { Directory.Delete(Sandbox, recursive: true); } catch (IOException) { }
    }

    public static string DigestOf(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>A registry started with <c>--delete</c>, as the conformance suite's management workflow wants.</summary>
public class DeletingRegistryFixture : RegistryFixture
{
    protected override string[] ExtraArgs => ["--delete"];
}
