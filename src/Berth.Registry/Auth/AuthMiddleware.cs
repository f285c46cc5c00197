namespace Berth.Registry.Auth;

/// <summary>
/// Puts every /v2/ request through the access controller (none: everything is allowed) and
/// serves the token endpoint in token mode. /v2/ itself needs an authenticated caller, which is
/// how <c>docker login</c> checks credentials. Paths outside /v2/ pass through (to a 404).
/// </summary>
public sealed class AuthMiddleware(IAccessController? controller, TokenServer? tokens)
{
    private const string UserKey = "berth.user";

    /// <summary>The authenticated user of the request, for the access log; null when anonymous.</summary>
    public static string? UserOf(HttpContext context) => context.Items.TryGetValue(UserKey, out var user) ? user as string : null;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (tokens is not null && context.Request.Path.Value == TokenServer.PathValue)
        {
            context.Items[UserKey] = await tokens.HandleAsync(context);
            return;
        }
        if (controller is null || RequestAccess.Required(context.Request) is not { } required)
        {
            await next(context);
            return;
        }
        var decision = controller.Authorize(context.Request, required);
        if (!decision.Allowed)
        {
            await AuthErrors.UnauthorizedAsync(context.Response, decision.Challenge!);
            return;
        }
        context.Items[UserKey] = decision.User;
        await next(context);
    }
}
