"""Answers from action owners: tokens for the answer buttons, mailbox readers (one module per
kind), and turning a message into a proposed update for the officers to approve."""
