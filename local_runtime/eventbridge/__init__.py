"""Amazon EventBridge's default bus: the template's rules and their targets."""
