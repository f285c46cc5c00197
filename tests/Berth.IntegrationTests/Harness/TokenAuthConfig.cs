namespace Berth.IntegrationTests.Harness;

/// <summary>One auth.token.access rule of berth-registry (docs/registry.md, "token").</summary>
public sealed record TokenAccessRule(string Account, string Repository, params string[] Actions);

/// <summary>
/// A berth-registry config file for token mode: the registry is its own token server, checking
/// the htpasswd users. TLS and the listen address stay flags (RegistryServer gives them), which
/// override the file.
/// </summary>
public static class TokenAuthConfig
{
    /// <summary>Writes the YAML to <paramref name="path"/> and returns the serve arguments that load it.</summary>
    public static async Task<string[]> WriteAsync(string path, string htpasswdPath, IReadOnlyList<TokenAccessRule>? rules = null)
    {
        var yaml = $"""
            version: 0.1
            auth:
              htpasswd:
                realm: berth-registry-test
                path: {htpasswdPath}
              token:
                service: berth-registry-test
                issuer: berth-registry-test
                expiration: 5m
            """ + "\n";
        // No rules: every htpasswd user may do everything, nobody anonymous anything.
        if (rules is { Count: > 0 })
        {
            yaml += "    access:\n";
            foreach (var rule in rules)
                yaml += $"      - account: \"{rule.Account}\"\n        repository: \"{rule.Repository}\"\n        actions: [{string.Join(", ", rule.Actions.Select(a => $"\"{a}\""))}]\n";
        }
        await File.WriteAllTextAsync(path, yaml);
        return ["--config", path];
    }
}
