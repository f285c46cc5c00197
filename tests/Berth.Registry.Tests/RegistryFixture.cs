using Xunit;
using System.Security.Cryptography;
using Berth.Registry.Hosting;

namespace Berth.Registry.Tests;

/// <summary>A real berth-registry on 127.0.0.1 with an ephemeral port and a temp --root.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private RegistryHost? _host;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "berth-registry-test-" + Guid.NewGuid().ToString("N"));
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = RegistryCommand.Parse(["serve", "--addr", "127.0.0.1:0", "--root", Root]);
        _host = await RegistryHost.StartAsync(options, CancellationToken.None);
        Client = new HttpClient { BaseAddress = _host.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    public static string DigestOf(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
}
